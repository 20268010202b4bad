import type { PutRecordsRequestEntry } from './api';
import { invalidArgument, validationError } from './errors';
import { parseExplicitHashKey } from './hash-key';
import { KINESIS_LIMITS } from './limits';

// The request-level rules of PutRecords: "Each PutRecords request can support up to 500 records.
// Each record in the request can be as large as 1 MiB, up to a limit of 5 MiB for the entire
// request, including partition keys." A request that breaks one is refused as a whole; the
// per-entry outcomes (throughput, internal failures) are the stream's.
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecordsRequestEntry.html

/** An entry that passed validation, with the hash key that routes it to a shard. */
export interface ValidatedEntry {
  partitionKey: string;
  data: Uint8Array;
  /** Data plus partition key bytes (UTF-8). */
  sizeBytes: number;
  hashKey: bigint;
}

const validateEntry = (
  entry: PutRecordsRequestEntry,
  index: number,
  maxRecordBytes: number,
  hashKeyOf: (partitionKey: string) => bigint,
): ValidatedEntry => {
  const { PartitionKey: partitionKey, Data: data } = entry;
  if (
    typeof partitionKey !== 'string' ||
    partitionKey.length < 1 ||
    partitionKey.length > KINESIS_LIMITS.partitionKeyMaxLength
  ) {
    throw validationError(
      `1 validation error detected: Value at 'records.${index + 1}.member.partitionKey' failed to satisfy constraint: Member must have length between 1 and ${KINESIS_LIMITS.partitionKeyMaxLength}`,
    );
  }
  if (!(data instanceof Uint8Array)) {
    throw validationError(
      `1 validation error detected: Value null at 'records.${index + 1}.member.data' must not be null`,
    );
  }
  const sizeBytes = data.byteLength + Buffer.byteLength(partitionKey, 'utf8');
  if (sizeBytes > maxRecordBytes) {
    throw invalidArgument(
      `Record ${index} is ${sizeBytes} bytes (data plus partition key); the stream accepts at most ${maxRecordBytes}`,
    );
  }
  if (entry.ExplicitHashKey === undefined)
    return { partitionKey, data, sizeBytes, hashKey: hashKeyOf(partitionKey) };
  const explicit = parseExplicitHashKey(entry.ExplicitHashKey);
  if (explicit === undefined) throw invalidArgument(`Invalid ExplicitHashKey: ${entry.ExplicitHashKey}`);
  return { partitionKey, data, sizeBytes, hashKey: explicit };
};

/** Validates a PutRecords request as a whole; throws the error AWS answers for the first violation. */
export const validatePutRecordsRequest = (
  entries: readonly PutRecordsRequestEntry[],
  { maxRecordBytes, hashKeyOf }: { maxRecordBytes: number; hashKeyOf: (partitionKey: string) => bigint },
): ValidatedEntry[] => {
  if (entries.length < 1 || entries.length > KINESIS_LIMITS.putRecordsMaxRecords) {
    throw validationError(
      `1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length between 1 and ${KINESIS_LIMITS.putRecordsMaxRecords}`,
    );
  }
  const validated = entries.map((entry, index) => validateEntry(entry, index, maxRecordBytes, hashKeyOf));
  const total = validated.reduce((sum, entry) => sum + entry.sizeBytes, 0);
  if (total > KINESIS_LIMITS.putRecordsMaxBytes) {
    throw invalidArgument(
      `Records size exceeds ${KINESIS_LIMITS.putRecordsMaxBytes} bytes limit: ${total} bytes (data plus partition keys)`,
    );
  }
  return validated;
};
