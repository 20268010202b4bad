import {
  canonicalRecordJson,
  decodeJsonObject,
  normaliseHubMessage,
  type DropReason,
  type EventTimePolicy,
  type FirehoseTransformationRecord,
  type RejectionReason,
} from '@pipeline/shared';
import { enrichRecord, type DeviceRegistry } from '@pipeline/shared/registry';

export interface TransformSettings {
  /** Decoded payloads above this are rejected as `oversized_record` before parsing. */
  maxRecordBytes: number;
  eventTime: EventTimePolicy;
  /** Budget for the serialised response (Firehose's 6 MB invoke limit less a margin). */
  responseLimitBytes: number;
}

/** The parts of a Firehose input record the transform needs (Kinesis-source and Direct PUT alike). */
export interface FirehoseInputRecord {
  recordId: string;
  data: string;
  approximateArrivalTimestamp: number;
  kinesisRecordMetadata?: { approximateArrivalTimestamp: number } | null;
}

export interface RecordFailure {
  recordId: string;
  reason: RejectionReason;
  detail: string;
  /** The device id the record names, when it is a JSON object with a string `device_id`. */
  deviceId?: string;
}

export interface TransformSummary {
  ok: number;
  /** Ok records whose device is not in the registry (all of them when there is no registry). */
  unregistered: number;
  dropped: Partial<Record<DropReason, number>>;
  failed: Partial<Record<RejectionReason, number>>;
}

export interface TransformedBatch {
  records: FirehoseTransformationRecord[];
  failures: RecordFailure[];
  summary: TransformSummary;
}

// Serialised size of an entry's fixed parts: {"recordId":"","result":"ProcessingFailed","data":"",
// "metadata":{"partitionKeys":{"dt":"YYYY-MM-DD","hour":"HH"}}}, plus a comma. An upper bound.
const ENTRY_OVERHEAD_BYTES = 128;
export const base64Length = (bytes: number): number => Math.ceil(bytes / 3) * 4;

/**
 * The bytes the transform counts for one entry of its response (an upper bound of the entry's
 * serialised size): the fixed parts, the record id and the base64 data.
 */
export const responseEntryBytes = (recordIdLength: number, base64DataLength: number): number =>
  ENTRY_OVERHEAD_BYTES + recordIdLength + base64DataLength;
const entryBytes = (record: FirehoseInputRecord, dataLength: number): number =>
  responseEntryBytes(record.recordId.length, dataLength);

// Each accepted record's line is encoded into this one buffer and read out as base64, instead of a
// new Buffer per record (about 0.15 µs a record less). Longer lines, in theory possible with a long
// kafka_topic, get their own buffer.
const lineBytes = Buffer.allocUnsafe(64 * 1024);
const toUtf8 = (line: string): { buffer: Buffer; length: number } =>
  line.length * 3 <= lineBytes.length
    ? { buffer: lineBytes, length: lineBytes.write(line) }
    : { buffer: Buffer.from(line), length: Buffer.byteLength(line) };

const increment = <K extends string>(counts: Partial<Record<K, number>>, key: K): void => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/**
 * Applies the Firehose transformation contract to one batch: exactly one entry per input record,
 * same `recordId`, same order. Valid readings become newline-terminated canonical JSON with the
 * `dt`/`hour` partition keys; heartbeats are `Dropped`; everything else is `ProcessingFailed` with
 * its original data, so Firehose writes it under the error prefix where it can be inspected and
 * replayed.
 *
 * Every valid reading is enriched from the device registry (`enrichRecord`: one Map lookup); a
 * device missing from it, or every device when there is no registry, is still delivered, flagged
 * `registered = false` and counted in `unregistered`.
 *
 * The ingest time is the record's arrival time in the hub (or in Firehose for Direct PUT), not the
 * clock: a retried batch transforms to exactly the same bytes (for the same registry).
 *
 * Normalised records can be larger than their input, so the response could outgrow the 6 MB
 * limit. Room for every remaining record's original data is always reserved; a record whose
 * normalised form no longer fits is returned as `ProcessingFailed` (`response_size_limit`) instead
 * of failing the whole invocation.
 */
/** The device id a rejected message names: a raw reading's `deviceId`, a canonical record's `device_id`. */
const claimedDeviceId = (value: Record<string, unknown>): unknown => value.deviceId ?? value.device_id;

export const transformBatch = (
  records: readonly FirehoseInputRecord[],
  settings: TransformSettings,
  registry?: DeviceRegistry,
): TransformedBatch => {
  const summary: TransformSummary = { ok: 0, unregistered: 0, dropped: {}, failed: {} };
  const failures: RecordFailure[] = [];
  const output: FirehoseTransformationRecord[] = new Array(records.length);

  let reservedForOriginals = records.reduce(
    (total, record) => total + entryBytes(record, record.data.length),
    0,
  );
  let used = 0;

  const fail = (
    index: number,
    record: FirehoseInputRecord,
    reason: RejectionReason,
    detail: string,
    deviceId?: unknown,
  ): void => {
    output[index] = { recordId: record.recordId, result: 'ProcessingFailed', data: record.data };
    used += entryBytes(record, record.data.length);
    failures.push({
      recordId: record.recordId,
      reason,
      detail,
      ...(typeof deviceId === 'string' ? { deviceId } : {}),
    });
    increment(summary.failed, reason);
  };

  records.forEach((record, index) => {
    reservedForOriginals -= entryBytes(record, record.data.length);

    const decoded = decodeJsonObject(record.data, settings.maxRecordBytes);
    if (!decoded.ok) return fail(index, record, decoded.reason, decoded.detail);

    const ingestTimeMs =
      record.kinesisRecordMetadata?.approximateArrivalTimestamp ?? record.approximateArrivalTimestamp;
    const normalised = normaliseHubMessage(decoded.value, ingestTimeMs, settings.eventTime);

    switch (normalised.outcome) {
      case 'rejected':
        return fail(index, record, normalised.reason, normalised.detail, claimedDeviceId(decoded.value));
      case 'dropped':
        output[index] = { recordId: record.recordId, result: 'Dropped', data: record.data };
        used += entryBytes(record, record.data.length);
        increment(summary.dropped, normalised.reason);
        return;
      case 'ok': {
        const registered = enrichRecord(normalised.record, registry);
        const line = toUtf8(`${canonicalRecordJson(normalised.record)}\n`);
        if (
          used + entryBytes(record, base64Length(line.length)) + reservedForOriginals >
          settings.responseLimitBytes
        ) {
          return fail(
            index,
            record,
            'response_size_limit',
            'normalised record does not fit in the 6 MB response',
            normalised.record.device_id,
          );
        }
        const data = line.buffer.toString('base64', 0, line.length);
        output[index] = {
          recordId: record.recordId,
          result: 'Ok',
          data,
          metadata: { partitionKeys: normalised.partition },
        };
        used += entryBytes(record, data.length);
        summary.ok += 1;
        if (!registered) summary.unregistered += 1;
        return;
      }
    }
  });

  return { records: output, failures, summary };
};
