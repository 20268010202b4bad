import { LAKE_PREFIX } from '@pipeline/shared';
import type { Clock } from '../clock';
import { uuidFrom, type AwsEnvironment } from '../environment';
import { S3ServiceError, type ObjectStore } from '../s3/ObjectStore';
import { ByteArena } from './ByteArena';
import { JsonEncoder, MemoryRecordBuffer, type RecordBuffer, type RecordEncoder } from './encoders';
import { formatConversionFailedRecord } from './error-records';
import { checkSetting, FIREHOSE_LIMITS } from './limits';
import { applyPartitionKeys, lambdaPartitionKeysOf, objectNameTimestamp, resolvePrefix } from './prefix';

// The extended S3 destination: buffering hints per partition (dynamic partitioning), the custom
// prefix and error output prefix, record format conversion, object names, and delivery retries.
// https://docs.aws.amazon.com/firehose/latest/APIReference/API_ExtendedS3DestinationConfiguration.html
// https://docs.aws.amazon.com/firehose/latest/dev/dynamic-partitioning.html
// https://docs.aws.amazon.com/firehose/latest/dev/basic-deliver.html

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

export interface S3DestinationStats {
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

// https://docs.aws.amazon.com/firehose/latest/dev/basic-deliver.html#retry: "If data delivery to
// your Amazon S3 bucket fails, Amazon Data Firehose retries to deliver data every 5 seconds for up
// to a maximum period of 24 hours. If the issue continues beyond the 24-hour maximum retention
// period, Amazon Data Firehose discards the data."
export const S3_RETRY_INTERVAL_MS = 5000;
export const S3_RETRY_LIMIT_MS = 24 * 3600 * 1000;

const MIB = 1024 * 1024;

const DEFAULT_PREFIX = `${LAKE_PREFIX.raw}dt=!{partitionKeyFromLambda:dt}/hour=!{partitionKeyFromLambda:hour}/`;
const DEFAULT_ERROR_PREFIX = `${LAKE_PREFIX.errors}!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/`;

/** An encoded object on its way to S3; kept and written again every S3_RETRY_INTERVAL_MS while refused. */
interface Delivery {
  objectKey: string;
  body: Uint8Array;
  isError: boolean;
  records: number;
  firstAttemptAt: number;
  retryAt: number;
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

/**
 * Routes records into per-partition buffers (one per prefix with the Lambda's partition keys
 * applied, one per error output type), writes each buffer as one object when its size or interval
 * hint is reached, and names objects like Firehose does. Object keys derive from the records they
 * hold and are written with `If-None-Match: *`, so a replayed buffer never duplicates an object.
 */
export class S3Destination {
  /** The Lambda partition keys the prefix uses: every Ok record must carry them. */
  readonly partitionKeys: string[];
  readonly #prefix: string;
  readonly #errorPrefix: string;
  readonly #hints: { bytes: number; intervalMs: number };
  readonly #buffers = new Map<string, ObjectBuffer>();
  /** Objects S3 refused, in the order they were first tried. */
  #failedDeliveries: Delivery[] = [];
  readonly #errorEncoder: JsonEncoder;
  readonly #arena = new ByteArena();
  /** Error records live until their buffer is written: a chunk store of their own, so none pins Ok data. */
  readonly #errorArena = new ByteArena();

  constructor(
    private readonly settings: S3DestinationSettings,
    private readonly context: {
      deliveryStreamName: string;
      deliveryStreamArn: string;
      environment: AwsEnvironment;
      clock: Clock;
    },
    private readonly stats: S3DestinationStats,
  ) {
    this.#prefix = settings.prefix ?? DEFAULT_PREFIX;
    this.#errorPrefix = settings.errorOutputPrefix ?? DEFAULT_ERROR_PREFIX;
    this.partitionKeys = lambdaPartitionKeysOf(this.#prefix);
    const dynamicPartitioning = settings.dynamicPartitioning ?? this.partitionKeys.length > 0;
    const sizeMB = checkSetting(
      'SizeInMBs',
      settings.bufferSizeMB ?? FIREHOSE_LIMITS.s3BufferSizeMB.default,
      FIREHOSE_LIMITS.s3BufferSizeMB,
      { integer: true },
    );
    const intervalSeconds = checkSetting(
      'IntervalInSeconds',
      settings.bufferIntervalSeconds ?? FIREHOSE_LIMITS.s3BufferIntervalSeconds.default,
      FIREHOSE_LIMITS.s3BufferIntervalSeconds,
      { integer: true },
    );
    if (this.#prefix.includes('!{partitionKeyFromQuery:')) {
      throw new RangeError('inline (jq) partitioning keys are not simulated: use partitionKeyFromLambda');
    }
    if (this.partitionKeys.length > 0 && !dynamicPartitioning) {
      throw new RangeError('partitionKeyFromLambda in the prefix requires dynamic partitioning');
    }
    if (dynamicPartitioning) {
      if (this.partitionKeys.length === 0)
        throw new RangeError('dynamic partitioning needs partition key expressions in the prefix');
      if (intervalSeconds === 0)
        throw new RangeError('zero buffering is not supported with dynamic partitioning');
    }
    if (
      (dynamicPartitioning || settings.encoder.check) &&
      sizeMB < FIREHOSE_LIMITS.minBufferSizeMBWithPartitioningOrConversion
    ) {
      throw new RangeError(
        `SizeInMBs must be at least ${FIREHOSE_LIMITS.minBufferSizeMBWithPartitioningOrConversion} with dynamic partitioning or format conversion, got ${sizeMB}`,
      );
    }
    this.#hints = { bytes: sizeMB * MIB, intervalMs: intervalSeconds * 1000 };
    // Error output is JSON lines, compressed like the destination (uncompressed with Parquet).
    this.#errorEncoder = new JsonEncoder({ gzip: settings.encoder.compression === 'GZIP' });
  }

  /** Records held in buffers and refused objects (not yet in S3). */
  get bufferedRecordCount(): number {
    let count = 0;
    for (const buffer of this.#buffers.values()) count += buffer.records.count;
    for (const delivery of this.#failedDeliveries) count += delivery.records;
    return count;
  }

  /** When a buffer's interval ends or a refused object is due again, if any. */
  nextDueAt(): number | undefined {
    const candidates: number[] = [];
    for (const buffer of this.#buffers.values()) candidates.push(buffer.openedAt + this.#hints.intervalMs);
    for (const delivery of this.#failedDeliveries) candidates.push(delivery.retryAt);
    return candidates.length > 0 ? Math.min(...candidates) : undefined;
  }

  /**
   * Buffers an Ok record's transformed data (base64) under its partition; with record format
   * conversion, a record that cannot be converted goes to the error output instead. Returns false
   * for such a record.
   */
  async deliver(
    at: number,
    record: {
      recordId: string;
      arrival: number;
      sequenceNumber: string;
      base64Data: string;
      partitionKeys: Record<string, string>;
    },
  ): Promise<boolean> {
    const data = this.#arena.fromBase64(record.base64Data);
    const conversionError = this.settings.encoder.check?.(data);
    if (conversionError) {
      this.stats.formatConversionFailed += 1;
      await this.deliverError(
        at,
        'format-conversion-failed',
        record.recordId,
        record.arrival,
        formatConversionFailedRecord({
          arrival: record.arrival,
          errorMessage: conversionError,
          at,
          base64Data: record.base64Data,
          sequenceNumber: record.sequenceNumber,
          table: this.settings.dataCatalogTable,
          environment: this.context.environment,
        }),
      );
      return false;
    }
    // The response check guarantees every key the prefix uses.
    const template = applyPartitionKeys(this.#prefix, record.partitionKeys);
    await this.#append(at, template, undefined, record.recordId, record.arrival, data);
    return true;
  }

  /** Buffers an error record (JSON line) under the error output prefix of `errorOutputType`. */
  async deliverError(
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

  /** Writes every buffer whose interval has passed (all of them when `force`); returns how many. */
  async flush(force: boolean): Promise<number> {
    const now = this.context.clock.now();
    let written = 0;
    for (const [key, buffer] of [...this.#buffers]) {
      if (force || now - buffer.openedAt >= this.#hints.intervalMs) {
        await this.#write(key, buffer);
        written += 1;
      }
    }
    return written;
  }

  /** Writes again the refused objects whose retry is due; returns how many were written. */
  async retryDeliveries(): Promise<number> {
    const now = this.context.clock.now();
    const due = this.#failedDeliveries.filter((delivery) => delivery.retryAt <= now);
    if (due.length === 0) return 0;
    this.#failedDeliveries = this.#failedDeliveries.filter((delivery) => delivery.retryAt > now);
    let written = 0;
    for (const delivery of due) if (await this.#put(delivery)) written += 1;
    return written;
  }

  async #append(
    at: number,
    template: string,
    errorOutputType: string | undefined,
    recordId: string,
    arrival: number,
    data: Buffer,
  ): Promise<void> {
    const key = `${errorOutputType ?? ''}\u0000${template}`;
    let buffer = this.#buffers.get(key);
    // A buffer whose interval passed before these records were processed is written first.
    if (buffer && at >= buffer.openedAt + this.#hints.intervalMs) {
      await this.#write(key, buffer);
      buffer = undefined;
    }
    if (!buffer) {
      const encoder: RecordEncoder =
        errorOutputType === undefined ? this.settings.encoder : this.#errorEncoder;
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
    if (buffer.bytes >= this.#hints.bytes) await this.#write(key, buffer);
  }

  // Object names follow Firehose's: <stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<id>, the time being the
  // oldest record's arrival (as for !{timestamp:...}); the id derives from the records the object holds.
  // https://docs.aws.amazon.com/firehose/latest/dev/basic-deliver.html#s3-object-name
  async #write(key: string, buffer: ObjectBuffer): Promise<void> {
    this.#buffers.delete(key);
    const isError = buffer.errorOutputType !== undefined;
    const id = uuidFrom(
      this.context.deliveryStreamArn,
      key,
      buffer.firstRecordId,
      buffer.lastRecordId,
      buffer.records.count,
    );
    const prefix = resolvePrefix(buffer.template, {
      oldestArrival: buffer.oldestArrival,
      randomString: id.replaceAll('-', '').slice(0, 11),
      ...(buffer.errorOutputType ? { errorOutputType: buffer.errorOutputType } : {}),
    });
    const encoder = isError ? this.#errorEncoder : this.settings.encoder;
    const body = await buffer.records.encode();
    const objectKey = `${prefix}${this.context.deliveryStreamName}-1-${objectNameTimestamp(buffer.oldestArrival)}-${id}${encoder.extension}`;
    const now = this.context.clock.now();
    await this.#put({
      objectKey,
      body,
      isError,
      records: buffer.records.count,
      firstAttemptAt: now,
      retryAt: now,
    });
  }

  /** Writes one object; when S3 refuses it, keeps it for a retry in S3_RETRY_INTERVAL_MS. */
  async #put(delivery: Delivery): Promise<boolean> {
    try {
      await this.settings.store.putObject({
        Bucket: this.settings.bucket,
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
      const now = this.context.clock.now();
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
}
