import { LAKE_PREFIX, type FirehoseTransformationRecord } from '@pipeline/shared';
import type { Clock } from '../clock';
import { IdGenerator, LOCAL_ENVIRONMENT, uuidFrom, type AwsEnvironment } from '../environment';
import type { KinesisStream } from '../kinesis/KinesisStream';
import type { StoredRecord } from '../kinesis/Shard';
import { StreamReader, type StartingPosition } from '../kinesis/StreamReader';
import { LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES, LambdaInvoker, type LambdaHandler } from '../lambda/invoke';
import { S3ServiceError, type ObjectStore } from '../s3/ObjectStore';
import { ByteArena } from './ByteArena';
import { JsonEncoder, MemoryRecordBuffer, type RecordBuffer, type RecordEncoder } from './encoders';
import { applyPartitionKeys, lambdaPartitionKeysOf, objectNameTimestamp, resolvePrefix } from './prefix';
import { checkTransformResponse, FIREHOSE_ERRORS } from './response';

/** A record of the transform event when the source is a Kinesis data stream. */
export interface FirehoseKinesisSourceRecord {
  recordId: string;
  approximateArrivalTimestamp: number;
  data: string;
  kinesisRecordMetadata: {
    shardId: string;
    partitionKey: string;
    approximateArrivalTimestamp: number;
    sequenceNumber: string;
    subsequenceNumber: number;
  };
}

/**
 * The event Firehose sends the transform Lambda for a Kinesis-source delivery stream.
 * https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html
 */
export interface FirehoseKinesisSourceEvent {
  invocationId: string;
  deliveryStreamArn: string;
  sourceKinesisStreamArn: string;
  region: string;
  records: FirehoseKinesisSourceRecord[];
}

const MIB = 1024 * 1024;

// Defaults and ranges of CreateDeliveryStream.
// https://docs.aws.amazon.com/firehose/latest/APIReference/API_ProcessorParameter.html
// https://docs.aws.amazon.com/firehose/latest/APIReference/API_BufferingHints.html
// https://docs.aws.amazon.com/firehose/latest/dev/dynamic-partitioning.html
// https://docs.aws.amazon.com/firehose/latest/dev/record-format-conversion.html
export const FIREHOSE_LIMITS = {
  processorBufferSizeMB: { min: 0.2, max: 3, default: 1 },
  processorBufferIntervalSeconds: { min: 0, max: 900, default: 60 },
  numberOfRetries: { min: 0, max: 300, default: 3 },
  s3BufferSizeMB: { min: 1, max: 128, default: 5 },
  s3BufferIntervalSeconds: { min: 0, max: 900, default: 300 },
  /** Dynamic partitioning and record format conversion both need an S3 buffer of at least 64 MiB. */
  minBufferSizeMBWithPartitioningOrConversion: 64,
} as const;

export interface ProcessorSettings {
  handler: LambdaHandler<FirehoseKinesisSourceEvent>;
  functionName: string;
  timeoutSeconds?: number;
  bufferSizeMB?: number;
  bufferIntervalSeconds?: number;
  numberOfRetries?: number;
}

export interface S3DestinationSettings {
  store: ObjectStore;
  bucket: string;
  /** Default: the lake layout, `raw/dt=!{partitionKeyFromLambda:dt}/hour=!{partitionKeyFromLambda:hour}/`. */
  prefix?: string;
  /** Default: `errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/`. */
  errorOutputPrefix?: string;
  bufferSizeMB?: number;
  bufferIntervalSeconds?: number;
  /** Default: on when the prefix uses `partitionKeyFromLambda`. */
  dynamicPartitioning?: boolean;
  /** JsonEncoder (JSON or JSON+GZIP) or ParquetEncoder (record format conversion). */
  encoder: RecordEncoder;
  /** Named in format-conversion error records. */
  dataCatalogTable?: { databaseName: string; tableName: string };
}

export interface DeliveryStreamOptions {
  name: string;
  source: KinesisStream;
  processor: ProcessorSettings;
  destination: S3DestinationSettings;
  clock: Clock;
  environment?: AwsEnvironment;
  /** Firehose starts reading a Kinesis source at LATEST when the delivery stream is created. */
  startingPosition?: StartingPosition;
}

export interface DeliveryStreamStats {
  recordsRead: number;
  invocations: number;
  failedInvocations: number;
  ok: number;
  dropped: number;
  processingFailed: number;
  /** Records of batches whose every invocation attempt failed, by Firehose error code. */
  failedBatchRecords: Record<string, number>;
  formatConversionFailed: number;
  /** Records written to the lake (Ok records delivered). */
  delivered: number;
  objectsWritten: number;
  errorObjectsWritten: number;
  /** Objects whose key already existed (a replayed buffer): skipped, not duplicated. */
  objectsAlreadyPresent: number;
  bytesWritten: number;
  /** PutObject attempts S3 refused; the object was kept and written again later. */
  s3DeliveryRetries: number;
  /** Records of objects S3 refused for longer than Firehose retries (24 h): discarded. */
  s3DeliveryExpiredRecords: number;
}

/** An encoded object S3 refused, written again every S3_RETRY_INTERVAL_MS. */
interface FailedDelivery {
  objectKey: string;
  body: Uint8Array;
  isError: boolean;
  records: number;
  firstAttemptAt: number;
  retryAt: number;
}

// https://docs.aws.amazon.com/firehose/latest/dev/basic-deliver.html#retry: "If data delivery to
// your Amazon S3 bucket fails, Amazon Data Firehose retries to deliver data every 5 seconds for up
// to a maximum period of 24 hours. If the issue continues beyond the 24-hour maximum retention
// period, Amazon Data Firehose discards the data."
export const S3_RETRY_INTERVAL_MS = 5000;
export const S3_RETRY_LIMIT_MS = 24 * 3600 * 1000;

interface PendingRecord {
  shardId: string;
  record: StoredRecord;
  recordId: string;
}

interface ObjectBuffer {
  /** The prefix with partition keys applied; time and error-type expressions are resolved at flush. */
  template: string;
  errorOutputType: string | undefined;
  records: RecordBuffer;
  bytes: number;
  openedAt: number;
  oldestArrival: number;
  firstRecordId: string;
  lastRecordId: string;
}

const DEFAULT_PREFIX = `${LAKE_PREFIX.raw}dt=!{partitionKeyFromLambda:dt}/hour=!{partitionKeyFromLambda:hour}/`;
const DEFAULT_ERROR_PREFIX = `${LAKE_PREFIX.errors}!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/`;

// Per-record JSON envelope of the transform event (ids, timestamps, metadata) on top of base64 data.
const EVENT_RECORD_OVERHEAD_BYTES = 400;

const checkRange = (
  name: string,
  value: number,
  { min, max }: { min: number; max: number },
  { integer }: { integer: boolean },
): number => {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(`${name} must be between ${min} and ${max}, got ${value}`);
  }
  if (integer && !Number.isInteger(value)) throw new RangeError(`${name} must be an integer, got ${value}`);
  return value;
};

/**
 * An in-process Firehose delivery stream with a Kinesis data stream as source and an S3
 * destination: reads the hub (children of a split or merge only after their parents), buffers for
 * the transform by the processor hints, invokes it with the exact event, enforces the response
 * contract (retrying failed invocations, then sending the batch to the error output), routes Ok
 * records by the Lambda's partition keys into per-partition buffers flushed by the S3 hints, and
 * writes objects named like Firehose's. Object keys derive from the records they hold and are
 * written with `If-None-Match: *`, so a replayed buffer never duplicates an object.
 */
export class DeliveryStream {
  readonly name: string;
  readonly arn: string;
  readonly reader: StreamReader;
  readonly stats: DeliveryStreamStats = {
    recordsRead: 0,
    invocations: 0,
    failedInvocations: 0,
    ok: 0,
    dropped: 0,
    processingFailed: 0,
    failedBatchRecords: {},
    formatConversionFailed: 0,
    delivered: 0,
    objectsWritten: 0,
    errorObjectsWritten: 0,
    objectsAlreadyPresent: 0,
    bytesWritten: 0,
    s3DeliveryRetries: 0,
    s3DeliveryExpiredRecords: 0,
  };
  readonly #options: DeliveryStreamOptions;
  readonly #environment: AwsEnvironment;
  readonly #invoker: LambdaInvoker;
  readonly #invocationIds: IdGenerator;
  readonly #processor: Required<
    Pick<ProcessorSettings, 'bufferSizeMB' | 'bufferIntervalSeconds' | 'numberOfRetries'>
  >;
  readonly #prefix: string;
  readonly #errorPrefix: string;
  readonly #partitionKeys: string[];
  readonly #s3Hints: { bytes: number; intervalMs: number };
  /** Read but not yet processed: the next transform batch. */
  #pending: PendingRecord[] = [];
  #pendingBytes = 0;
  #pendingRequestBytes = 0;
  /** Arrival of the first pending record: Firehose reads the hub continuously, so its buffer opens then. */
  #pendingOpenedAt: number | undefined;
  #pendingLastArrival = 0;
  /** Last sequence number read per shard (ahead of the checkpoint while records are pending). */
  readonly #readPositions = new Map<string, string>();
  readonly #buffers = new Map<string, ObjectBuffer>();
  /** Objects S3 refused, in the order they were first tried. */
  #failedDeliveries: FailedDelivery[] = [];
  readonly #errorEncoder: JsonEncoder;
  readonly #arena = new ByteArena();
  /** Error records live until their buffer is written: a chunk store of their own, so none pins Ok data. */
  readonly #errorArena = new ByteArena();

  constructor(options: DeliveryStreamOptions) {
    const { processor, destination } = options;
    this.#processor = {
      bufferSizeMB: checkRange(
        'BufferSizeInMBs',
        processor.bufferSizeMB ?? FIREHOSE_LIMITS.processorBufferSizeMB.default,
        FIREHOSE_LIMITS.processorBufferSizeMB,
        { integer: false },
      ),
      bufferIntervalSeconds: checkRange(
        'BufferIntervalInSeconds',
        processor.bufferIntervalSeconds ?? FIREHOSE_LIMITS.processorBufferIntervalSeconds.default,
        FIREHOSE_LIMITS.processorBufferIntervalSeconds,
        { integer: false },
      ),
      numberOfRetries: checkRange(
        'NumberOfRetries',
        processor.numberOfRetries ?? FIREHOSE_LIMITS.numberOfRetries.default,
        FIREHOSE_LIMITS.numberOfRetries,
        { integer: true },
      ),
    };
    this.#prefix = destination.prefix ?? DEFAULT_PREFIX;
    this.#errorPrefix = destination.errorOutputPrefix ?? DEFAULT_ERROR_PREFIX;
    this.#partitionKeys = lambdaPartitionKeysOf(this.#prefix);
    const dynamicPartitioning = destination.dynamicPartitioning ?? this.#partitionKeys.length > 0;
    const sizeMB = checkRange(
      'SizeInMBs',
      destination.bufferSizeMB ?? FIREHOSE_LIMITS.s3BufferSizeMB.default,
      FIREHOSE_LIMITS.s3BufferSizeMB,
      { integer: true },
    );
    const intervalSeconds = checkRange(
      'IntervalInSeconds',
      destination.bufferIntervalSeconds ?? FIREHOSE_LIMITS.s3BufferIntervalSeconds.default,
      FIREHOSE_LIMITS.s3BufferIntervalSeconds,
      { integer: true },
    );
    if (this.#prefix.includes('!{partitionKeyFromQuery:')) {
      throw new RangeError('inline (jq) partitioning keys are not simulated: use partitionKeyFromLambda');
    }
    if (this.#partitionKeys.length > 0 && !dynamicPartitioning) {
      throw new RangeError('partitionKeyFromLambda in the prefix requires dynamic partitioning');
    }
    if (dynamicPartitioning) {
      if (this.#partitionKeys.length === 0)
        throw new RangeError('dynamic partitioning needs partition key expressions in the prefix');
      if (intervalSeconds === 0)
        throw new RangeError('zero buffering is not supported with dynamic partitioning');
    }
    if (
      (dynamicPartitioning || destination.encoder.check) &&
      sizeMB < FIREHOSE_LIMITS.minBufferSizeMBWithPartitioningOrConversion
    ) {
      throw new RangeError(
        `SizeInMBs must be at least ${FIREHOSE_LIMITS.minBufferSizeMBWithPartitioningOrConversion} with dynamic partitioning or format conversion, got ${sizeMB}`,
      );
    }
    this.#s3Hints = { bytes: sizeMB * MIB, intervalMs: intervalSeconds * 1000 };
    // Error output is JSON lines, compressed like the destination (uncompressed with Parquet).
    this.#errorEncoder = new JsonEncoder({ gzip: destination.encoder.compression === 'GZIP' });
    this.#options = options;
    this.#environment = options.environment ?? LOCAL_ENVIRONMENT;
    this.name = options.name;
    this.arn = `arn:aws:firehose:${this.#environment.region}:${this.#environment.accountId}:deliverystream/${options.name}`;
    this.#invoker = new LambdaInvoker(
      { functionName: processor.functionName, timeoutSeconds: processor.timeoutSeconds ?? 300 },
      this.#environment,
      options.clock,
    );
    this.#invocationIds = new IdGenerator(`firehose-invocation:${this.arn}`);
    this.reader = new StreamReader(
      options.source,
      `firehose:${options.name}`,
      options.startingPosition ?? 'LATEST',
    );
  }

  /**
   * Does all work due now: reads new records from the hub, invokes the transform for every full or
   * expired processor buffer, and writes every full or expired S3 buffer. Returns the number of
   * invocations plus objects written.
   */
  async poll(): Promise<number> {
    let work = 0;
    const now = this.#options.clock.now();
    // Buffers are timed by when records arrived, not by when poll() happens to run, so a run that
    // polls late still batches exactly as Firehose would have.
    for (;;) {
      const added = this.#read();
      if (this.#processorBufferFull()) {
        work += await this.#process(this.#pendingLastArrival);
        continue;
      }
      const deadline = this.#processorDeadline();
      if (deadline !== undefined && now >= deadline) {
        work += await this.#process(deadline);
        continue;
      }
      if (!added) break;
    }
    work += await this.#retryDeliveries();
    work += await this.#flushBuffers(false);
    return work;
  }

  /** Processes and writes everything buffered now, whatever the hints say (end of a run, Ctrl-C). */
  async flush(): Promise<void> {
    for (;;) {
      this.#read();
      if (this.#pending.length === 0) break;
      await this.#process(
        Math.min(this.#options.clock.now(), this.#processorDeadline() ?? Number.POSITIVE_INFINITY),
      );
    }
    await this.#flushBuffers(true);
  }

  /**
   * The next instant at which `poll` has work, if any. Reading the hub is not work that must happen
   * at a given instant: buffers are timed by record arrival, so records read later are batched
   * exactly as if they had been read on arrival. Unread records make the stream due when their
   * buffer's interval ends, or now if they may fill the processor buffer (an upper bound).
   */
  nextDueAt(): number | undefined {
    const now = this.#options.clock.now();
    const candidates: number[] = [];
    const unread = this.#unreadSummary();
    if (unread.count > 0) {
      if (this.#pendingOpenedAt === undefined && unread.firstArrival !== undefined)
        candidates.push(unread.firstArrival + this.#processor.bufferIntervalSeconds * 1000);
      if (this.#mayFillProcessorBuffer(unread)) candidates.push(now);
    }
    const deadline = this.#processorDeadline();
    if (deadline !== undefined) candidates.push(deadline);
    for (const buffer of this.#buffers.values()) candidates.push(buffer.openedAt + this.#s3Hints.intervalMs);
    for (const delivery of this.#failedDeliveries) candidates.push(delivery.retryAt);
    return candidates.length > 0 ? Math.min(...candidates) : undefined;
  }

  /** Records held in processor and S3 buffers (not yet in an object). */
  bufferedRecordCount(): number {
    let count = this.#pending.length;
    for (const buffer of this.#buffers.values()) count += buffer.records.count;
    for (const delivery of this.#failedDeliveries) count += delivery.records;
    return count;
  }

  // ---- reading and the processor buffer ---------------------------------------------------

  #unreadSummary(): { count: number; bytes: number; firstArrival: number | undefined } {
    const source = this.#options.source;
    let count = 0;
    let bytes = 0;
    let firstArrival: number | undefined;
    for (const shardId of this.reader.readableShards()) {
      const position = this.#readPosition(shardId);
      const shardCount = source.countAfter(shardId, position);
      if (shardCount === 0) continue;
      count += shardCount;
      bytes += source.dataBytesAfter(shardId, position);
      const arrival = source.firstArrivalAfter(shardId, position);
      if (arrival !== undefined && (firstArrival === undefined || arrival < firstArrival))
        firstArrival = arrival;
    }
    return { count, bytes, firstArrival };
  }

  /** Whether reading every unread record could fill the processor buffer (by size or request bytes). */
  #mayFillProcessorBuffer({ count, bytes }: { count: number; bytes: number }): boolean {
    // ceil(b / 3) * 4 <= (4b + 8) / 3 per record: an upper bound of the base64 request bytes.
    const requestBytes =
      this.#pendingRequestBytes + (4 * bytes + 8 * count) / 3 + EVENT_RECORD_OVERHEAD_BYTES * count;
    return (
      this.#pendingBytes + bytes >= this.#processor.bufferSizeMB * MIB ||
      requestBytes + 1024 * 8 + EVENT_RECORD_OVERHEAD_BYTES * 4 >= LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES - MIB
    );
  }

  #processorDeadline(): number | undefined {
    return this.#pendingOpenedAt === undefined
      ? undefined
      : this.#pendingOpenedAt + this.#processor.bufferIntervalSeconds * 1000;
  }

  #readPosition(shardId: string): string {
    const read = this.#readPositions.get(shardId);
    const checkpoint = this.reader.positionOf(shardId);
    return read !== undefined && read > checkpoint ? read : checkpoint;
  }

  /** Moves records from the hub into the processor buffer, oldest arrival first, until it is full. */
  #read(): boolean {
    let added = false;
    const heads = new Map<string, StoredRecord[]>();
    const intervalMs = this.#processor.bufferIntervalSeconds * 1000;
    // Readable shards change only when a checkpoint finishes a parent, never while reading.
    const shards = this.reader.readableShards();
    const pick = (): [string, StoredRecord] | undefined => {
      let best: [string, StoredRecord] | undefined;
      for (const shardId of shards) {
        let queue = heads.get(shardId);
        if (!queue || queue.length === 0) {
          queue = this.#options.source.readAfter(shardId, this.#readPosition(shardId), { limit: 500 });
          heads.set(shardId, queue);
        }
        const head = queue[0];
        if (head && (!best || head.approximateArrivalTimestamp < best[1].approximateArrivalTimestamp))
          best = [shardId, head];
      }
      return best;
    };
    while (!this.#processorBufferFull()) {
      const next = pick();
      if (!next) break;
      const [shardId, record] = next;
      const deadline = this.#processorDeadline();
      const arrival = record.approximateArrivalTimestamp;
      // A record that arrived once the buffer's interval was over belongs to the next buffer.
      if (deadline !== undefined && (intervalMs > 0 ? arrival >= deadline : arrival > deadline)) break;
      heads.get(shardId)?.shift();
      this.#readPositions.set(shardId, record.sequenceNumber);
      this.#pending.push({ shardId, record, recordId: `${record.sequenceNumber}${'0'.repeat(12)}` });
      this.#pendingBytes += record.data.byteLength;
      this.#pendingRequestBytes += Math.ceil(record.data.byteLength / 3) * 4 + EVENT_RECORD_OVERHEAD_BYTES;
      this.#pendingOpenedAt ??= record.approximateArrivalTimestamp;
      this.#pendingLastArrival = record.approximateArrivalTimestamp;
      this.stats.recordsRead += 1;
      added = true;
    }
    return added;
  }

  // The processor buffer flushes at its size hint, and always before the invocation request would
  // pass Lambda's 6 MB limit (small records carry more envelope than data).
  #processorBufferFull(): boolean {
    return (
      this.#pendingBytes >= this.#processor.bufferSizeMB * MIB ||
      this.#pendingRequestBytes + 1024 * 8 + EVENT_RECORD_OVERHEAD_BYTES * 4 >=
        LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES - MIB
    );
  }

  /** Invokes the transform for the pending batch (with retries) and routes its results; `at` is when (simulated). */
  async #process(at: number): Promise<number> {
    const batch = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#pendingRequestBytes = 0;
    this.#pendingOpenedAt = undefined;
    if (batch.length === 0) return 0;
    const records = batch.map(({ shardId, record, recordId }): FirehoseKinesisSourceRecord => ({
      recordId,
      approximateArrivalTimestamp: record.approximateArrivalTimestamp,
      data: Buffer.from(record.data).toString('base64'),
      kinesisRecordMetadata: {
        shardId,
        partitionKey: record.partitionKey,
        approximateArrivalTimestamp: record.approximateArrivalTimestamp,
        sequenceNumber: record.sequenceNumber,
        subsequenceNumber: 0,
      },
    }));
    const recordIds = batch.map(({ recordId }) => recordId);
    const attempts = this.#processor.numberOfRetries + 1;
    let lastError: { errorCode: string; errorMessage: string } = FIREHOSE_ERRORS.functionError;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      const event: FirehoseKinesisSourceEvent = {
        invocationId: this.#invocationIds.next(),
        deliveryStreamArn: this.arn,
        sourceKinesisStreamArn: this.#options.source.arn,
        region: this.#environment.region,
        records,
      };
      this.stats.invocations += 1;
      const outcome = await this.#invoker.invoke(this.#options.processor.handler, event);
      const verdict = outcome.ok
        ? checkTransformResponse(outcome.response, recordIds, this.#partitionKeys)
        : {
            ok: false as const,
            errorCode: FIREHOSE_ERRORS.functionError.errorCode,
            errorMessage: `${FIREHOSE_ERRORS.functionError.errorMessage} (${outcome.errorType}: ${outcome.errorMessage})`,
          };
      if (verdict.ok) {
        await this.#route(batch, verdict.results, attempt, at);
        this.#checkpoint(batch);
        return attempt;
      }
      this.stats.failedInvocations += 1;
      lastError = verdict;
    }
    // https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-failure-handling.html:
    // after the retries the whole batch is delivered to the processing-failed error output.
    const now = at;
    this.stats.failedBatchRecords[lastError.errorCode] =
      (this.stats.failedBatchRecords[lastError.errorCode] ?? 0) + batch.length;
    for (const { record, recordId } of batch) {
      await this.#bufferError(at, 'processing-failed', recordId, record.approximateArrivalTimestamp, {
        attemptsMade: attempts,
        arrivalTimestamp: record.approximateArrivalTimestamp,
        errorCode: lastError.errorCode,
        errorMessage: lastError.errorMessage,
        attemptEndingTimestamp: now,
        rawData: Buffer.from(record.data).toString('base64'),
        lambdaArn: this.#invoker.arn,
      });
    }
    this.#checkpoint(batch);
    return attempts;
  }

  #checkpoint(batch: PendingRecord[]): void {
    const last = new Map<string, string>();
    for (const { shardId, record } of batch) last.set(shardId, record.sequenceNumber);
    for (const [shardId, sequenceNumber] of last) this.reader.checkpoint(shardId, sequenceNumber);
  }

  async #route(
    batch: PendingRecord[],
    results: Map<string, FirehoseTransformationRecord>,
    attempt: number,
    now: number,
  ): Promise<void> {
    for (const { record, recordId } of batch) {
      const result = results.get(recordId) as FirehoseTransformationRecord;
      const arrival = record.approximateArrivalTimestamp;
      if (result.result === 'Dropped') {
        this.stats.dropped += 1;
        continue;
      }
      if (result.result === 'ProcessingFailed') {
        this.stats.processingFailed += 1;
        await this.#bufferError(now, 'processing-failed', recordId, arrival, {
          attemptsMade: attempt,
          arrivalTimestamp: arrival,
          errorCode: FIREHOSE_ERRORS.processingFailed.errorCode,
          errorMessage: FIREHOSE_ERRORS.processingFailed.errorMessage,
          attemptEndingTimestamp: now,
          rawData: Buffer.from(record.data).toString('base64'),
          lambdaArn: this.#invoker.arn,
        });
        continue;
      }
      this.stats.ok += 1;
      const data = this.#arena.fromBase64(result.data);
      const conversionError = this.#options.destination.encoder.check?.(data);
      if (conversionError) {
        this.stats.formatConversionFailed += 1;
        // https://docs.aws.amazon.com/firehose/latest/dev/record-format-conversion-error-handling.html
        const table = this.#options.destination.dataCatalogTable;
        await this.#bufferError(now, 'format-conversion-failed', recordId, arrival, {
          attemptsMade: 1,
          arrivalTimestamp: arrival,
          lastErrorCode: 'DataFormatConversion.MalformedData',
          lastErrorMessage: conversionError,
          attemptEndingTimestamp: now,
          rawData: result.data,
          sequenceNumber: record.sequenceNumber,
          subSequenceNumber: 0,
          ...(table
            ? {
                dataCatalogTable: {
                  catalogId: this.#environment.accountId,
                  databaseName: table.databaseName,
                  tableName: table.tableName,
                  region: this.#environment.region,
                  versionId: 'LATEST',
                  catalogArn: `arn:aws:glue:${this.#environment.region}:${this.#environment.accountId}:catalog`,
                },
              }
            : {}),
        });
        continue;
      }
      // The response check guarantees every key the prefix uses.
      const template = applyPartitionKeys(this.#prefix, result.metadata?.partitionKeys ?? {});
      await this.#append(now, template, undefined, recordId, arrival, data);
    }
  }

  async #bufferError(
    at: number,
    errorOutputType: string,
    recordId: string,
    arrival: number,
    errorRecord: object,
  ): Promise<void> {
    await this.#append(
      at,
      this.#errorPrefix,
      errorOutputType,
      recordId,
      arrival,
      this.#errorArena.fromUtf8(`${JSON.stringify(errorRecord)}\n`),
    );
  }

  async #append(
    at: number,
    template: string,
    errorOutputType: string | undefined,
    recordId: string,
    arrival: number,
    data: Buffer,
  ) {
    const key = `${errorOutputType ?? ''}\u0000${template}`;
    let buffer = this.#buffers.get(key);
    // A buffer whose interval passed before these records were processed is written first.
    if (buffer && at >= buffer.openedAt + this.#s3Hints.intervalMs) {
      await this.#write(key, buffer);
      buffer = undefined;
    }
    if (!buffer) {
      const encoder: RecordEncoder =
        errorOutputType === undefined ? this.#options.destination.encoder : this.#errorEncoder;
      buffer = {
        template,
        errorOutputType,
        records: encoder.openBuffer?.() ?? new MemoryRecordBuffer(encoder),
        bytes: 0,
        openedAt: at,
        oldestArrival: arrival,
        firstRecordId: recordId,
        lastRecordId: recordId,
      };
      this.#buffers.set(key, buffer);
    }
    buffer.records.append(data);
    buffer.bytes += data.byteLength;
    buffer.oldestArrival = Math.min(buffer.oldestArrival, arrival);
    buffer.lastRecordId = recordId;
    if (buffer.bytes >= this.#s3Hints.bytes) await this.#write(key, buffer);
  }

  async #flushBuffers(force: boolean): Promise<number> {
    const now = this.#options.clock.now();
    let written = 0;
    for (const [key, buffer] of [...this.#buffers]) {
      if (force || now - buffer.openedAt >= this.#s3Hints.intervalMs) {
        await this.#write(key, buffer);
        written += 1;
      }
    }
    return written;
  }

  // Object names follow Firehose's: <stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<id>, the time being the
  // oldest record's arrival (as for !{timestamp:...}); the id derives from the records the object holds.
  // https://docs.aws.amazon.com/firehose/latest/dev/basic-deliver.html#s3-object-name
  async #write(key: string, buffer: ObjectBuffer): Promise<void> {
    this.#buffers.delete(key);
    const { destination } = this.#options;
    const isError = buffer.errorOutputType !== undefined;
    const id = uuidFrom(this.arn, key, buffer.firstRecordId, buffer.lastRecordId, buffer.records.count);
    const prefix = resolvePrefix(buffer.template, {
      oldestArrival: buffer.oldestArrival,
      randomString: id.replaceAll('-', '').slice(0, 11),
      ...(buffer.errorOutputType ? { errorOutputType: buffer.errorOutputType } : {}),
    });
    const encoder = isError ? this.#errorEncoder : destination.encoder;
    const body = await buffer.records.encode();
    const extension = encoder.extension;
    const objectKey = `${prefix}${this.name}-1-${objectNameTimestamp(buffer.oldestArrival)}-${id}${extension}`;
    const now = this.#options.clock.now();
    await this.#deliver({
      objectKey,
      body,
      isError,
      records: buffer.records.count,
      firstAttemptAt: now,
      retryAt: now,
    });
  }

  /** Writes one object; when S3 refuses it, keeps it for a retry in S3_RETRY_INTERVAL_MS. */
  async #deliver(delivery: FailedDelivery): Promise<boolean> {
    const { destination } = this.#options;
    try {
      await destination.store.putObject({
        Bucket: destination.bucket,
        Key: delivery.objectKey,
        Body: delivery.body,
        IfNoneMatch: '*',
      });
    } catch (error) {
      if (error instanceof S3ServiceError && error.name === 'PreconditionFailed') {
        this.stats.objectsAlreadyPresent += 1;
        return true;
      }
      if (!(error instanceof S3ServiceError) || error.$metadata.httpStatusCode < 500) throw error;
      this.stats.s3DeliveryRetries += 1;
      const now = this.#options.clock.now();
      if (now - delivery.firstAttemptAt >= S3_RETRY_LIMIT_MS) {
        this.stats.s3DeliveryExpiredRecords += delivery.records;
        return true;
      }
      this.#failedDeliveries.push({ ...delivery, retryAt: now + S3_RETRY_INTERVAL_MS });
      return false;
    }
    this.stats.bytesWritten += delivery.body.byteLength;
    if (delivery.isError) {
      this.stats.errorObjectsWritten += 1;
    } else {
      this.stats.objectsWritten += 1;
      this.stats.delivered += delivery.records;
    }
    return true;
  }

  /** Writes again the refused objects whose retry is due; returns how many were written. */
  async #retryDeliveries(): Promise<number> {
    const now = this.#options.clock.now();
    const due = this.#failedDeliveries.filter((delivery) => delivery.retryAt <= now);
    if (due.length === 0) return 0;
    this.#failedDeliveries = this.#failedDeliveries.filter((delivery) => delivery.retryAt > now);
    let written = 0;
    for (const delivery of due) if (await this.#deliver(delivery)) written += 1;
    return written;
  }
}
