import { earliest } from '../clock';
import type { KinesisStream } from '../kinesis/KinesisStream';
import type { StoredRecord } from '../kinesis/Shard';
import type { StreamReader } from '../kinesis/StreamReader';
import { LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES } from '../lambda/invoke';
import { recordIdOf, type PendingRecord } from './event';

// The buffer in front of the transform: "Firehose buffers incoming data" up to the Lambda
// buffering hints (size, interval) and then invokes the function with the batch, which must fit
// Lambda's 6 MB synchronous request.
// https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html

const MIB = 1024 * 1024;

// Per-record JSON envelope of the transform event (ids, timestamps, metadata) on top of base64 data.
const EVENT_RECORD_OVERHEAD_BYTES = 400;

export interface ProcessorBufferStats {
  recordsRead: number;
}

/**
 * Reads the Kinesis source (children of a split or merge only after their parents, through the
 * checkpointing reader) into the next transform batch. Batches are timed by record arrival, not by
 * when the simulator happens to read, so a run that reads late batches exactly as Firehose would.
 */
export class ProcessorBuffer {
  /** Read but not yet processed: the next transform batch. */
  #pending: PendingRecord[] = [];
  #pendingBytes = 0;
  #pendingRequestBytes = 0;
  /** Arrival of the first pending record: Firehose reads the hub continuously, so its buffer opens then. */
  #openedAt: number | undefined;
  #lastArrival = 0;
  /** Last sequence number read per shard (ahead of the checkpoint while records are pending). */
  readonly #readPositions = new Map<string, string>();

  constructor(
    private readonly source: KinesisStream,
    private readonly reader: StreamReader,
    private readonly hints: { bufferSizeMB: number; bufferIntervalSeconds: number },
    private readonly stats: ProcessorBufferStats,
  ) {}

  /** Records read and waiting for the transform. */
  get size(): number {
    return this.#pending.length;
  }

  /** Arrival of the newest pending record: when a full buffer became full. */
  get lastArrival(): number {
    return this.#lastArrival;
  }

  /** When the buffer's interval ends, if it holds records. */
  deadline(): number | undefined {
    return this.#openedAt === undefined
      ? undefined
      : this.#openedAt + this.hints.bufferIntervalSeconds * 1000;
  }

  // The buffer flushes at its size hint, and always before the invocation request would pass
  // Lambda's 6 MB limit (small records carry more envelope than data).
  full(): boolean {
    return (
      this.#pendingBytes >= this.hints.bufferSizeMB * MIB ||
      this.#pendingRequestBytes + 1024 * 8 + EVENT_RECORD_OVERHEAD_BYTES * 4 >=
        LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES - MIB
    );
  }

  /**
   * When unread records make the buffer due: when their buffer's interval ends, or now if they may
   * fill it (an upper bound). Reading is not work that must happen at a given instant.
   */
  nextDueAt(now: number): number | undefined {
    let next = this.deadline();
    const unread = this.#unreadSummary();
    if (unread.count > 0) {
      if (this.#openedAt === undefined && unread.firstArrival !== undefined)
        next = earliest(next, unread.firstArrival + this.hints.bufferIntervalSeconds * 1000);
      if (this.#mayFill(unread)) next = earliest(next, now);
    }
    return next;
  }

  /** Moves records from the source into the buffer, oldest arrival first, until it is full. */
  read(): boolean {
    let added = false;
    const heads = new Map<string, StoredRecord[]>();
    const intervalMs = this.hints.bufferIntervalSeconds * 1000;
    // Readable shards change only when a checkpoint finishes a parent, never while reading.
    const shards = this.reader.readableShards();
    const pick = (): [string, StoredRecord] | undefined => {
      let best: [string, StoredRecord] | undefined;
      for (const shardId of shards) {
        let queue = heads.get(shardId);
        if (!queue || queue.length === 0) {
          queue = this.source.readAfter(shardId, this.#readPosition(shardId), { limit: 500 });
          heads.set(shardId, queue);
        }
        const head = queue[0];
        if (head && (!best || head.approximateArrivalTimestamp < best[1].approximateArrivalTimestamp))
          best = [shardId, head];
      }
      return best;
    };
    while (!this.full()) {
      const next = pick();
      if (!next) break;
      const [shardId, record] = next;
      const deadline = this.deadline();
      const arrival = record.approximateArrivalTimestamp;
      // A record that arrived once the buffer's interval was over belongs to the next buffer.
      if (deadline !== undefined && (intervalMs > 0 ? arrival >= deadline : arrival > deadline)) break;
      heads.get(shardId)?.shift();
      this.#readPositions.set(shardId, record.sequenceNumber);
      this.#pending.push({ shardId, record, recordId: recordIdOf(record) });
      this.#pendingBytes += record.data.byteLength;
      this.#pendingRequestBytes += Math.ceil(record.data.byteLength / 3) * 4 + EVENT_RECORD_OVERHEAD_BYTES;
      this.#openedAt ??= record.approximateArrivalTimestamp;
      this.#lastArrival = record.approximateArrivalTimestamp;
      this.stats.recordsRead += 1;
      added = true;
    }
    return added;
  }

  /** Empties the buffer: its records are the next transform batch. */
  take(): PendingRecord[] {
    const batch = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#pendingRequestBytes = 0;
    this.#openedAt = undefined;
    return batch;
  }

  /** Checkpoints a processed batch: its records may leave the source. */
  checkpoint(batch: readonly PendingRecord[]): void {
    const last = new Map<string, string>();
    for (const { shardId, record } of batch) last.set(shardId, record.sequenceNumber);
    for (const [shardId, sequenceNumber] of last) this.reader.checkpoint(shardId, sequenceNumber);
  }

  #readPosition(shardId: string): string {
    const read = this.#readPositions.get(shardId);
    const checkpoint = this.reader.positionOf(shardId);
    return read !== undefined && read > checkpoint ? read : checkpoint;
  }

  #unreadSummary(): { count: number; bytes: number; firstArrival: number | undefined } {
    let count = 0;
    let bytes = 0;
    let firstArrival: number | undefined;
    for (const shardId of this.reader.readableShards()) {
      const unread = this.source.unreadAfter(shardId, this.#readPosition(shardId));
      if (unread.count === 0) continue;
      count += unread.count;
      bytes += unread.dataBytes;
      const arrival = unread.firstArrival;
      if (arrival !== undefined && (firstArrival === undefined || arrival < firstArrival))
        firstArrival = arrival;
    }
    return { count, bytes, firstArrival };
  }

  /** Whether reading every unread record could fill the buffer (by size or request bytes). */
  #mayFill({ count, bytes }: { count: number; bytes: number }): boolean {
    // ceil(b / 3) * 4 <= (4b + 8) / 3 per record: an upper bound of the base64 request bytes.
    const requestBytes =
      this.#pendingRequestBytes + (4 * bytes + 8 * count) / 3 + EVENT_RECORD_OVERHEAD_BYTES * count;
    return (
      this.#pendingBytes + bytes >= this.hints.bufferSizeMB * MIB ||
      requestBytes + 1024 * 8 + EVENT_RECORD_OVERHEAD_BYTES * 4 >= LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES - MIB
    );
  }
}
