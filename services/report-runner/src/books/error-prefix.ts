import { gunzipSync } from 'node:zlib';
import { partitionKeysFor } from '@pipeline/shared';
import type { BooksRange, QuarantineCounts, QuarantineTally } from '@pipeline/shared/books';

const HOUR_MS = 3_600_000;

/** The error prefix's objects: list keys under a prefix, read one's bytes. */
export interface ErrorObjects {
  list(prefix: string): Promise<string[]>;
  read(key: string): Promise<Uint8Array | undefined>;
}

/**
 * The error output types ingest-transform's prefix names
 * (`errors/!{firehose:error-output-type}/dt=.../hour=.../`).
 * https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html
 */
const PROCESSING_FAILED = 'processing-failed';
const FORMAT_CONVERSION_FAILED = 'format-conversion-failed';

/**
 * The transform's verdict on a record (`Lambda.ProcessingFailedStatus`); any other code marks a
 * whole batch Firehose gave up on (e.g. `Lambda.FunctionError`).
 * https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-failure-handling.html
 */
const PROCESSING_FAILED_STATUS = 'Lambda.ProcessingFailedStatus';

interface ErrorRecord {
  rawData?: unknown;
  errorCode?: unknown;
  arrivalTimestamp?: unknown;
}

const linesOf = (body: Uint8Array): string[] =>
  Buffer.from(body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body) : body)
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');

/** A canonical record forwarded by msk-consumer is Kafka's; anything else came from a device. */
const sourceOf = (rawData: unknown): 'devices' | 'kafka' => {
  try {
    const record = JSON.parse(Buffer.from(String(rawData), 'base64').toString('utf8')) as {
      schema_version?: unknown;
      source?: unknown;
    };
    return record.schema_version !== undefined && record.source === 'msk' ? 'kafka' : 'devices';
  } catch {
    return 'devices';
  }
};

/**
 * The error prefix's records that arrived in the range, read from its objects: Firehose names an
 * object by the arrival hour of its oldest record, so the hour before the range is read too and
 * each record is kept by its own `arrivalTimestamp`. Error record fields:
 * https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-failure-handling.html
 * https://docs.aws.amazon.com/firehose/latest/dev/record-format-conversion-error-handling.html
 *
 * A line that is not an error record is counted as one (under `unreadable`): nothing in the error
 * prefix goes uncounted.
 */
export const errorPrefixCounts = (objects: ErrorObjects): QuarantineCounts => ({
  async count(range: BooksRange): Promise<QuarantineTally> {
    const tally: QuarantineTally = {
      bySource: { devices: 0, kafka: 0 },
      batchFailures: { devices: {}, kafka: {} },
      formatConversionFailed: 0,
    };
    const firstHour = Math.floor(range.fromMs / HOUR_MS) * HOUR_MS - HOUR_MS;
    for (const type of [PROCESSING_FAILED, FORMAT_CONVERSION_FAILED]) {
      for (let hour = firstHour; hour < range.toMs; hour += HOUR_MS) {
        const { dt, hour: hh } = partitionKeysFor(hour);
        for (const key of await objects.list(`errors/${type}/dt=${dt}/hour=${hh}/`)) {
          const body = await objects.read(key);
          if (!body) continue;
          for (const line of linesOf(body)) {
            let record: ErrorRecord;
            try {
              record = JSON.parse(line) as ErrorRecord;
            } catch {
              record = { errorCode: 'unreadable' };
            }
            const arrival = typeof record.arrivalTimestamp === 'number' ? record.arrivalTimestamp : hour;
            if (arrival < range.fromMs || arrival >= range.toMs) continue;
            const source = sourceOf(record.rawData);
            tally.bySource[source] += 1;
            if (type === FORMAT_CONVERSION_FAILED) tally.formatConversionFailed += 1;
            else if (typeof record.errorCode === 'string' && record.errorCode !== PROCESSING_FAILED_STATUS)
              tally.batchFailures[source][record.errorCode] =
                (tally.batchFailures[source][record.errorCode] ?? 0) + 1;
          }
        }
      }
    }
    return tally;
  },
});
