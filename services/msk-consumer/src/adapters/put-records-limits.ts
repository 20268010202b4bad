import type { HubRecord } from '../domain/ports';

const MiB = 1024 * 1024;

/**
 * PutRecords limits: https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html
 * "Each PutRecords request can support up to 500 records. Each record in the request can be as large
 * as 1 MiB, up to a limit of 5 MiB for the entire request, including partition keys." A stream whose
 * maximum record size was raised (up to 10 MiB) accepts larger records: pass `maxRecordBytes`.
 */
export interface PutRecordsLimits {
  maxRecords: number;
  maxRequestBytes: number;
  maxRecordBytes: number;
}

export const PUT_RECORDS_LIMITS: PutRecordsLimits = {
  maxRecords: 500,
  maxRequestBytes: 5 * MiB,
  maxRecordBytes: MiB,
};

/** Size of one entry as Kinesis counts it: data blob plus partition key (UTF-8). */
export const entryBytes = (record: HubRecord): number =>
  record.data.length + Buffer.byteLength(record.partitionKey);

/**
 * Splits records into PutRecords requests, in order, each within the record-count and request-size
 * limits. A record above the per-record limit is a programming error (the domain quarantines those).
 */
export const chunkForPutRecords = (
  records: readonly HubRecord[],
  limits: PutRecordsLimits = PUT_RECORDS_LIMITS,
): HubRecord[][] => {
  const chunks: HubRecord[][] = [];
  let current: HubRecord[] = [];
  let currentBytes = 0;
  for (const record of records) {
    const bytes = entryBytes(record);
    if (bytes > limits.maxRecordBytes) {
      throw new RangeError(
        `hub record of ${bytes} bytes exceeds the ${limits.maxRecordBytes}-byte record limit`,
      );
    }
    if (current.length === limits.maxRecords || currentBytes + bytes > limits.maxRequestBytes) {
      chunks.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(record);
    currentBytes += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
};
