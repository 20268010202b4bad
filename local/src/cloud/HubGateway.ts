import {
  KINESIS_LIMITS,
  type KinesisStream,
  type PutRecordsRequestEntry,
} from '../aws/kinesis/KinesisStream';

interface Pending {
  entry: PutRecordsRequestEntry;
  attempts: number;
  dueAt: number;
}

export interface HubGatewayStats {
  requests: number;
  /** Entries the hub refused (shard over its write limit) and that were sent again. */
  retriedEntries: number;
}

/**
 * How devices reach the hub (the IoT rule's Kinesis action, or an SDK producer): PutRecords of at
 * most 500 entries and 5 MiB, the device id as partition key, and entries a throttled shard
 * refused sent again after a backoff, until they are in. Nothing is given up.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html
 */
export class HubGateway {
  readonly stats: HubGatewayStats = { requests: 0, retriedEntries: 0 };
  #retries: Pending[] = [];

  constructor(private readonly hub: KinesisStream) {}

  async put(entries: readonly PutRecordsRequestEntry[], now: number): Promise<void> {
    await this.#send(
      entries.map((entry) => ({ entry, attempts: 0, dueAt: now })),
      now,
    );
  }

  /** Sends the refused entries whose backoff is over. */
  async retryDue(now: number): Promise<void> {
    if (this.#retries.length === 0) return;
    const due = this.#retries.filter((pending) => pending.dueAt <= now);
    if (due.length === 0) return;
    this.#retries = this.#retries.filter((pending) => pending.dueAt > now);
    this.stats.retriedEntries += due.length;
    await this.#send(due, now);
  }

  nextDueAt(): number | undefined {
    return this.#retries.length === 0 ? undefined : Math.min(...this.#retries.map(({ dueAt }) => dueAt));
  }

  get pending(): number {
    return this.#retries.length;
  }

  async #send(batch: Pending[], now: number): Promise<void> {
    for (const chunk of chunks(batch)) {
      this.stats.requests += 1;
      const result = await this.hub.putRecords({ Records: chunk.map(({ entry }) => entry) });
      if (result.FailedRecordCount === 0) continue;
      result.Records.forEach((record, index) => {
        const pending = chunk[index] as Pending;
        if (!record.ErrorCode) return;
        pending.attempts += 1;
        // Exponential backoff from 100 ms, capped at 5 s (simulated time).
        pending.dueAt = now + Math.min(5000, 100 * 2 ** (pending.attempts - 1));
        this.#retries.push(pending);
      });
    }
  }
}

function* chunks(batch: Pending[]): Generator<Pending[]> {
  let chunk: Pending[] = [];
  let bytes = 0;
  for (const pending of batch) {
    const size = (pending.entry.Data?.byteLength ?? 0) + Buffer.byteLength(pending.entry.PartitionKey ?? '');
    if (
      chunk.length > 0 &&
      (chunk.length >= KINESIS_LIMITS.putRecordsMaxRecords ||
        bytes + size > KINESIS_LIMITS.putRecordsMaxBytes)
    ) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(pending);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}
