import { gunzipSync } from 'node:zlib';
import {
  decodeJsonObject,
  DEFAULT_EVENT_TIME_POLICY,
  KAFKA_QUARANTINE_PREFIX,
  normaliseHubMessage,
} from '@pipeline/shared';
import { reportOutputKeys } from '@pipeline/report-runner';
import { FIREHOSE_ERRORS } from '../aws/firehose/response';
import { addCount } from '@pipeline/shared/books';
import { partitionOf, type PartitionHour } from '../ops/hours';
import type { OpsObjectStore } from '../ops/ports';

const HOUR_MS = 3_600_000;

/**
 * Records Parquet conversion refused, under the name `npm start`'s books give them. Their error
 * records spell the code `ErrorCode` (not `errorCode`) and name the Glue table:
 * https://docs.aws.amazon.com/firehose/latest/dev/record-format-conversion-error-handling.html
 */
export const FORMAT_CONVERSION_FAILED = 'format_conversion_failed';

/** The error prefixes Firehose writes (`errors/!{firehose:error-output-type}/dt=.../hour=.../`, ingest-transform). */
export const ERROR_OUTPUT_TYPES = ['processing-failed', 'format-conversion-failed'] as const;

// Large enough for every smoke message: the transform's reason depends on the bytes, not on this.
const MAX_RECORD_BYTES = 1024 * 1024;

/** One record of a Firehose error object. */
interface ErrorRecord {
  rawData?: unknown;
  errorCode?: unknown;
  arrivalTimestamp?: unknown;
}

/**
 * The rejection reason of a record the transform returned as `ProcessingFailed`: Firehose keeps
 * only `Lambda.ProcessingFailedStatus` and the original bytes, so the reason is found again by
 * the same decoding and normalisation the transform ran. Records of whole failed batches keep
 * Firehose's error code (e.g. `Lambda.FunctionError`), as `npm start`'s books do.
 * Error record fields (`rawData`, `errorCode`, `arrivalTimestamp`):
 * https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-failure-handling.html
 */
export const reasonOf = (rawData: string, errorCode: string | undefined, arrivalMs: number): string => {
  if (errorCode !== undefined && errorCode !== FIREHOSE_ERRORS.processingFailed.errorCode) return errorCode;
  const decoded = decodeJsonObject(rawData, MAX_RECORD_BYTES);
  if (!decoded.ok) return decoded.reason;
  // Firehose's arrival stands in for the hub's (the transform's ingest time): the smoke messages
  // are built so that their reasons do not depend on the difference.
  const normalised = normaliseHubMessage(decoded.value, arrivalMs, DEFAULT_EVENT_TIME_POLICY);
  return normalised.outcome === 'rejected' ? normalised.reason : `accepted_now_${normalised.outcome}`;
};

export interface ErrorTally {
  /** The run's records in the error prefix, by reason. */
  failed: Record<string, number>;
  /** Device ids (as far as the bytes show one) of those records. */
  devices: Set<string>;
}

/** Every UTC hour from `fromMs` to `toMs`, both included. */
export const hoursSpanning = (fromMs: number, toMs: number): PartitionHour[] => {
  const hours: PartitionHour[] = [];
  for (let at = Math.floor(fromMs / HOUR_MS) * HOUR_MS; at <= toMs; at += HOUR_MS)
    hours.push(partitionOf(at));
  return hours;
};

const linesOf = (body: Buffer): string[] =>
  (body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body) : body)
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');

/**
 * The run's records in the error prefix: the objects of the hours the run was sent in (Firehose
 * names them by arrival hour), their records whose bytes carry the run's device prefix.
 */
export const tallyErrors = async (
  store: OpsObjectStore,
  prefix: string,
  hours: readonly PartitionHour[],
  now: number,
): Promise<ErrorTally> => {
  const tally: ErrorTally = { failed: {}, devices: new Set() };
  const devicePattern = new RegExp(`${prefix}\\d+`);
  for (const type of ERROR_OUTPUT_TYPES) {
    for (const { dt, hour } of hours) {
      for await (const key of store.keys(`errors/${type}/dt=${dt}/hour=${hour}/`)) {
        for (const line of linesOf(await store.get(key))) {
          const record = JSON.parse(line) as ErrorRecord;
          if (typeof record.rawData !== 'string') continue;
          const bytes = Buffer.from(record.rawData, 'base64').toString('utf8');
          const device = devicePattern.exec(bytes);
          if (!device) continue;
          tally.devices.add(device[0]);
          addCount(
            tally.failed,
            type === 'format-conversion-failed'
              ? FORMAT_CONVERSION_FAILED
              : reasonOf(
                  record.rawData,
                  typeof record.errorCode === 'string' ? record.errorCode : undefined,
                  typeof record.arrivalTimestamp === 'number' ? record.arrivalTimestamp : now,
                ),
            1,
          );
        }
      }
    }
  }
  return tally;
};

/**
 * The Kafka share's records in msk-consumer's quarantine (`errors/msk/dt=/hour=/`, JSON lines with
 * the base64 `value` and the `reason`; hour of the first record's Kafka timestamp): by reason, for
 * the records whose value carries the share's device prefix.
 */
export const tallyQuarantine = async (
  store: OpsObjectStore,
  prefix: string,
  hours: readonly PartitionHour[],
): Promise<ErrorTally> => {
  const tally: ErrorTally = { failed: {}, devices: new Set() };
  const devicePattern = new RegExp(`${prefix}\\d+`);
  for (const { dt, hour } of hours) {
    for await (const key of store.keys(`${KAFKA_QUARANTINE_PREFIX}dt=${dt}/hour=${hour}/`)) {
      for (const line of linesOf(await store.get(key))) {
        const record = JSON.parse(line) as { value?: unknown; reason?: unknown };
        if (typeof record.value !== 'string') continue;
        const device = devicePattern.exec(Buffer.from(record.value, 'base64').toString('utf8'));
        if (!device) continue;
        tally.devices.add(device[0]);
        addCount(tally.failed, typeof record.reason === 'string' ? record.reason : 'unknown', 1);
      }
    }
  }
  return tally;
};

/** The report whose rows count readings per device and hour: the reports' view of the run. */
export const DEVICE_REPORT = 'device_hourly_stats';

export interface ReportTally {
  /** Readings of the run's devices in the device report's outputs. */
  readings: number;
  /** Reports without a run manifest for a partition holding the run's rows (`name dt=/hour=`). */
  missing: string[];
}

/**
 * What the reports made of the run: every report has run for every hour partition holding the
 * run's rows (its run manifest, written last, exists), and the per-device report counts the run's
 * readings.
 */
export const tallyReports = async (
  store: OpsObjectStore,
  prefix: string,
  reportNames: readonly string[],
  partitions: readonly PartitionHour[],
): Promise<ReportTally> => {
  const tally: ReportTally = { readings: 0, missing: [] };
  for (const partition of partitions) {
    for (const name of reportNames) {
      const keys = reportOutputKeys(name, partition);
      if (!(await store.exists(keys.runManifest))) {
        tally.missing.push(`${name} dt=${partition.dt}/hour=${partition.hour}`);
        continue;
      }
      if (name !== DEVICE_REPORT) continue;
      for (const line of linesOf(await store.get(keys.data))) {
        const row = JSON.parse(line) as { device_id?: unknown; readings?: unknown };
        if (typeof row.device_id === 'string' && row.device_id.startsWith(prefix))
          tally.readings += Number(row.readings);
      }
    }
  }
  return tally;
};
