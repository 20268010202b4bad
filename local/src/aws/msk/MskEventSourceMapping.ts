import type { MSKEvent, MSKRecord } from 'aws-lambda';
import type { Clock } from '../clock';
import { LOCAL_ENVIRONMENT, uuidFrom, type AwsEnvironment } from '../environment';
import {
  LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES,
  LambdaInvoker,
  type FunctionSettings,
  type LambdaHandler,
} from '../lambda/invoke';
import { batchingWindowDueAt } from '../lambda/batching-window';
import type { KafkaCluster, StoredKafkaRecord } from './KafkaCluster';

/** What the on-failure destination receives when a batch is given up (retries exhausted). */
export interface KafkaBatchFailure {
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetryAttemptsExhausted';
    approximateInvokeCount: number;
  };
  responseContext: { statusCode: number; executedVersion: string; functionError: string };
  version: '1.0';
  timestamp: string;
  KafkaBatchInfo: {
    batchSize: number;
    eventSourceArn: string;
    bootstrapServers: string;
    payloadSize: number;
    recordsInfo: Record<
      string,
      {
        firstRecordOffset: string;
        lastRecordOffset: string;
        firstRecordTimestamp: string;
        lastRecordTimestamp: string;
      }
    >;
  };
}

export interface MskEventSourceMappingOptions extends FunctionSettings {
  cluster: KafkaCluster;
  topic: string;
  handler: LambdaHandler<MSKEvent>;
  clock: Clock;
  environment?: AwsEnvironment;
  /** Default: a group named after the mapping, as Lambda does when none is configured. */
  consumerGroupId?: string;
  /** 1-10,000, default 100. */
  batchSize?: number;
  /** 0-300 s, default 0.5 s for MSK. */
  maximumBatchingWindowInSeconds?: number;
  startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  /** -1 (default) retries until the records expire; otherwise the batch goes to `onFailure` after this many retries. */
  maximumRetryAttempts?: number;
  onFailure?: (failure: KafkaBatchFailure) => Promise<void>;
}

export interface MskMappingStats {
  invocations: number;
  failedInvocations: number;
  recordsDelivered: number;
  batchesDiscarded: number;
}

// Lambda backs off between retries of a failed batch; simulated seconds, never real sleeps.
const retryDelayMs = (attempt: number): number => Math.min(60_000, 1000 * 2 ** Math.max(0, attempt - 1));

/**
 * Lambda's MSK event source mapping: polls the topic's partitions from the group's committed
 * offsets, gathers a batch (batch size, batching window, 6 MB payload), invokes the function with
 * the exact MSK event, and commits offsets only after the invocation succeeds. A failed batch
 * (the function threw) is retried, in order, blocking its partitions.
 * https://docs.aws.amazon.com/lambda/latest/dg/with-msk.html
 * https://docs.aws.amazon.com/lambda/latest/dg/with-msk-configure.html
 */
export class MskEventSourceMapping {
  readonly uuid: string;
  readonly #options: MskEventSourceMappingOptions;
  readonly #invoker: LambdaInvoker;
  readonly #group: string;
  readonly #batchSize: number;
  readonly #windowMs: number;
  #windowOpenedAt: number | undefined;
  /** Estimated event bytes of the records waiting, counted up to `counted[partition]` (reset on commit). */
  #pendingEstimate: { counted: number[]; bytes: number } = { counted: [], bytes: 0 };
  #attempts = 0;
  #retryAt: number | undefined;
  readonly stats: MskMappingStats = {
    invocations: 0,
    failedInvocations: 0,
    recordsDelivered: 0,
    batchesDiscarded: 0,
  };

  constructor(options: MskEventSourceMappingOptions) {
    const batchSize = options.batchSize ?? 100;
    const window = options.maximumBatchingWindowInSeconds ?? 0.5;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
      throw new RangeError(`BatchSize must be between 1 and 10000 for MSK, got ${batchSize}`);
    }
    if (window < 0 || window > 300)
      throw new RangeError(`MaximumBatchingWindowInSeconds must be 0-300, got ${window}`);
    const retries = options.maximumRetryAttempts ?? -1;
    if (!Number.isInteger(retries) || retries < -1 || retries > 10_000) {
      throw new RangeError(`MaximumRetryAttempts must be -1 or 0-10000, got ${retries}`);
    }
    const environment = options.environment ?? LOCAL_ENVIRONMENT;
    this.#options = options;
    this.uuid = uuidFrom('esm', options.functionName, options.cluster.arn, options.topic);
    this.#group = options.consumerGroupId ?? this.uuid;
    this.#invoker = new LambdaInvoker(options, environment, options.clock);
    this.#batchSize = batchSize;
    this.#windowMs = window * 1000;
    options.cluster.joinGroup(
      this.#group,
      options.topic,
      options.startingPosition === 'LATEST' ? 'latest' : 'earliest',
    );
  }

  get consumerGroupId(): string {
    return this.#group;
  }

  /** Records produced but not yet committed by this mapping's group. */
  lag(): number {
    const { cluster, topic } = this.#options;
    let lag = 0;
    for (let partition = 0; partition < cluster.partitionCount(topic); partition += 1) {
      lag += cluster.endOffset(topic, partition) - this.#position(partition);
    }
    return lag;
  }

  /** Invokes the function for every batch due now; returns the number of invocations. */
  async poll(): Promise<number> {
    let invocations = 0;
    for (;;) {
      const now = this.#options.clock.now();
      if (this.#retryAt !== undefined && now < this.#retryAt) break;
      const pending = this.lag();
      if (pending === 0) {
        this.#windowOpenedAt = undefined;
        break;
      }
      this.#windowOpenedAt ??= now;
      // Gathering the batch costs O(batch); skip it while the window is open and the records
      // waiting can fill neither the batch size nor the payload (the check below would wait too).
      if (
        this.#retryAt === undefined &&
        now - this.#windowOpenedAt < this.#windowMs &&
        pending < this.#batchSize &&
        !this.#mayFillPayload()
      )
        break;
      const batch = this.#batch();
      const full = batch.records.length >= this.#batchSize || batch.payloadFull;
      if (!full && this.#retryAt === undefined && now - this.#windowOpenedAt < this.#windowMs) break;
      invocations += 1;
      const succeeded = await this.#invoke(batch.records);
      if (!succeeded) break;
    }
    return invocations;
  }

  /** The next instant at which `poll` has work, if records are waiting (now: opening the batching window). */
  nextDueAt(): number | undefined {
    if (this.#retryAt !== undefined) return this.#retryAt;
    if (this.lag() === 0) return undefined;
    return batchingWindowDueAt(this.#windowOpenedAt, this.#options.clock.now(), this.#windowMs);
  }

  /**
   * Whether every waiting record together could pass the 6 MB payload (when fewer than a batch
   * wait, the batch would take them all). Sums sizes incrementally: records only get appended
   * between commits.
   */
  #mayFillPayload(): boolean {
    const { cluster, topic } = this.#options;
    const partitions = cluster.partitionCount(topic);
    const estimate = this.#pendingEstimate;
    for (let partition = 0; partition < partitions; partition += 1) {
      const from = Math.max(estimate.counted[partition] ?? 0, this.#position(partition));
      const end = cluster.endOffset(topic, partition);
      if (from >= end) continue;
      for (const record of cluster.fetch(topic, partition, from, end - from))
        estimate.bytes += estimateEventBytes(record);
      estimate.counted[partition] = end;
    }
    return estimate.bytes + 1024 > LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES;
  }

  #position(partition: number): number {
    const { cluster, topic } = this.#options;
    return cluster.committed(this.#group, topic, partition) ?? cluster.startOffset(topic, partition);
  }

  /** Up to batchSize records across partitions, each partition in offset order, under the 6 MB payload. */
  #batch(): { records: StoredKafkaRecord[]; payloadFull: boolean } {
    const { cluster, topic } = this.#options;
    const records: StoredKafkaRecord[] = [];
    // An MSK event is JSON with base64 key/value and byte-array headers: budget for that expansion.
    let bytes = 1024;
    const cursors = Array.from({ length: cluster.partitionCount(topic) }, (_, partition) => ({
      partition,
      pending: cluster.fetch(topic, partition, this.#position(partition), this.#batchSize),
    }));
    // Interleave partitions so one busy partition cannot starve the others.
    for (let round = 0; records.length < this.#batchSize; round += 1) {
      let added = false;
      for (const cursor of cursors) {
        const record = cursor.pending[round];
        if (!record || records.length >= this.#batchSize) continue;
        const size = estimateEventBytes(record);
        if (records.length > 0 && bytes + size > LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES)
          return { records, payloadFull: true };
        bytes += size;
        records.push(record);
        added = true;
      }
      if (!added) break;
    }
    return { records, payloadFull: false };
  }

  async #invoke(records: StoredKafkaRecord[]): Promise<boolean> {
    const { cluster, clock } = this.#options;
    const event = mskEventOf(cluster, records);
    this.stats.invocations += 1;
    const outcome = await this.#invoker.invokeBuilt(this.#options.handler, event);
    if (outcome.ok) {
      this.#commit(records);
      this.stats.recordsDelivered += records.length;
      this.#attempts = 0;
      this.#retryAt = undefined;
      this.#windowOpenedAt = undefined;
      return true;
    }
    this.stats.failedInvocations += 1;
    this.#attempts += 1;
    const maxRetries = this.#options.maximumRetryAttempts ?? -1;
    if (maxRetries >= 0 && this.#attempts > maxRetries) {
      await this.#options.onFailure?.(this.#failure(records, outcome.requestBytes, outcome.errorType));
      this.#commit(records);
      this.stats.batchesDiscarded += 1;
      this.#attempts = 0;
      this.#retryAt = undefined;
      return true;
    }
    this.#retryAt = clock.now() + retryDelayMs(this.#attempts);
    return false;
  }

  #commit(records: StoredKafkaRecord[]): void {
    this.#pendingEstimate = { counted: [], bytes: 0 };
    const next = new Map<number, number>();
    for (const record of records)
      next.set(record.partition, Math.max(next.get(record.partition) ?? 0, record.offset + 1));
    for (const [partition, offset] of next)
      this.#options.cluster.commit(this.#group, this.#options.topic, partition, offset);
  }

  #failure(records: StoredKafkaRecord[], payloadSize: number, functionError: string): KafkaBatchFailure {
    const recordsInfo: KafkaBatchFailure['KafkaBatchInfo']['recordsInfo'] = {};
    for (const record of records) {
      const key = `${record.topic}-${record.partition}`;
      const info = recordsInfo[key];
      recordsInfo[key] = {
        firstRecordOffset: info?.firstRecordOffset ?? String(record.offset),
        lastRecordOffset: String(record.offset),
        firstRecordTimestamp: info?.firstRecordTimestamp ?? new Date(record.timestamp).toISOString(),
        lastRecordTimestamp: new Date(record.timestamp).toISOString(),
      };
    }
    return {
      requestContext: {
        requestId: uuidFrom('msk-failure', this.uuid, records[0]?.offset ?? 0, this.stats.invocations),
        functionArn: this.#invoker.arn,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: this.#attempts,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError },
      version: '1.0',
      timestamp: new Date(this.#options.clock.now()).toISOString(),
      KafkaBatchInfo: {
        batchSize: records.length,
        eventSourceArn: this.#options.cluster.arn,
        bootstrapServers: this.#options.cluster.bootstrapServers,
        payloadSize,
        recordsInfo,
      },
    };
  }
}

/**
 * A header value as Lambda writes it: Lambda builds the Kafka event in Java, where a header value
 * is a `byte[]` of signed bytes, serialised as JSON numbers -128..127 (a byte >= 0x80 arrives
 * negative). Sources: aws/aws-lambda-go#506 (header type changed to int8 to match),
 * aws/aws-lambda-dotnet#1476 (sbyte), aws-powertools/powertools-lambda-python#6862 ("ë" as [-61, -85]).
 */
const javaBytes = (bytes: Uint8Array): number[] => [
  ...new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
];

// Lambda omits `key` for a record without a key and `value` for a tombstone (null value).
const toMskRecord = (record: StoredKafkaRecord): MSKRecord =>
  ({
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    timestampType: 'CREATE_TIME',
    ...(record.key === null ? {} : { key: record.key.toString('base64') }),
    ...(record.value === null ? {} : { value: record.value.toString('base64') }),
    headers: record.headers.map(([name, bytes]) => ({ [name]: javaBytes(bytes) })),
  }) as MSKRecord;

/**
 * The `aws:kafka` event Lambda builds for a batch: records grouped under "<topic>-<partition>",
 * key and value base64, headers as signed Java bytes. Shared by this mapping and the smoke test,
 * which invokes a deployed consumer with the same shape. Sample event:
 * https://docs.aws.amazon.com/lambda/latest/dg/with-msk.html and aws/aws-lambda-go events/kafka.go (KafkaEvent).
 */
export const mskEventOf = (
  source: { arn: string; bootstrapServers: string },
  records: readonly StoredKafkaRecord[],
): MSKEvent => {
  const event: MSKEvent = {
    eventSource: 'aws:kafka',
    eventSourceArn: source.arn,
    bootstrapServers: source.bootstrapServers,
    records: {},
  };
  for (const record of records)
    (event.records[`${record.topic}-${record.partition}`] ??= []).push(toMskRecord(record));
  return event;
};

const estimateEventBytes = (record: StoredKafkaRecord): number =>
  200 +
  Math.ceil((((record.key?.byteLength ?? 0) + (record.value?.byteLength ?? 0)) * 4) / 3) +
  record.headers.reduce((sum, [name, bytes]) => sum + name.length + 8 + bytes.byteLength * 4, 0);
