// The quotas of a provisioned-mode stream that the hub enforces.
// https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html
const MIB = 1024 * 1024;

export const KINESIS_LIMITS = {
  /** Data blob plus partition key, by default; a stream can be configured up to 10 MiB. */
  maxRecordBytes: MIB,
  maxConfigurableRecordBytes: 10 * MIB,
  putRecordsMaxRecords: 500,
  putRecordsMaxBytes: 5 * MIB,
  partitionKeyMaxLength: 256,
  /** Per shard and second: 1 MB and 1,000 records of writes. */
  shardWriteBytesPerSecond: MIB,
  shardWriteRecordsPerSecond: 1000,
  /** Per shard and second: "Each shard can support up to five read transactions per second." */
  shardReadTransactionsPerSecond: 5,
  getRecordsMaxRecords: 10_000,
  getRecordsMaxBytes: 10 * MIB,
  /** A shard iterator expires five minutes after it is returned. */
  iteratorTtlMs: 5 * 60 * 1000,
  /** https://docs.aws.amazon.com/kinesis/latest/APIReference/API_IncreaseStreamRetentionPeriod.html */
  retentionHours: { min: 24, max: 8760, default: 24 },
} as const;
