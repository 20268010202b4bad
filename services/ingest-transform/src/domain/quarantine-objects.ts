import { createHash } from 'node:crypto';
import {
  partitionKeysFor,
  quarantinePartitionPrefix,
  TRANSFORM_QUARANTINE_PREFIX,
  type TransformQuarantineRecord,
} from '@pipeline/shared';
import type { FirehoseInputRecord, RecordFailure } from './transform-batch';

export interface QuarantineObject {
  key: string;
  body: string;
}

/** The quarantine record of each rejection, with the original data as Firehose passed it. */
export const transformQuarantineRecords = (
  records: readonly FirehoseInputRecord[],
  failures: readonly RecordFailure[],
): TransformQuarantineRecord[] => {
  const byId = new Map(records.map((record) => [record.recordId, record]));
  return failures.map(({ recordId, reason, detail, deviceId }) => {
    const record = byId.get(recordId);
    if (!record) throw new RangeError(`rejection of unknown record ${recordId}`);
    return {
      reason,
      device_id: deviceId ?? null,
      received_at_ms: record.approximateArrivalTimestamp,
      payload: record.data,
      detail,
      record_id: recordId,
    };
  });
};

/**
 * One JSON-lines object per arrival hour (`errors/transform/dt=/hour=/`, the table
 * `quarantine_transform`). The name is a hash of the record ids it holds: Firehose retries an
 * invocation with the same records, so a retry names the same object and never adds a copy.
 */
export const transformQuarantineObjects = (
  records: readonly TransformQuarantineRecord[],
): QuarantineObject[] => {
  const groups = new Map<string, TransformQuarantineRecord[]>();
  for (const record of records) {
    const prefix = quarantinePartitionPrefix(
      TRANSFORM_QUARANTINE_PREFIX,
      partitionKeysFor(record.received_at_ms),
    );
    const group = groups.get(prefix);
    if (group) group.push(record);
    else groups.set(prefix, [record]);
  }
  return [...groups.entries()].map(([prefix, group]) => {
    const hash = createHash('sha256');
    for (const { record_id } of group) hash.update(`${record_id}\n`);
    return {
      key: `${prefix}${hash.digest('hex').slice(0, 32)}.ndjson`,
      body: group.map((record) => `${JSON.stringify(record)}\n`).join(''),
    };
  });
};
