// The request and response shapes of the Kinesis Data Streams API operations the hub serves, as
// `@aws-sdk/client-kinesis` types them, so code written against the SDK compiles against the hub.
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_Operations.html

/** A PutRecords entry, as in `@aws-sdk/client-kinesis`. */
export interface PutRecordsRequestEntry {
  Data: Uint8Array | undefined;
  PartitionKey: string | undefined;
  ExplicitHashKey?: string;
}

export interface StreamTarget {
  StreamName?: string;
  StreamARN?: string;
}

export interface PutRecordsInput extends StreamTarget {
  Records: PutRecordsRequestEntry[] | undefined;
}

export interface PutRecordsResultEntry {
  SequenceNumber?: string;
  ShardId?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
}

export interface PutRecordsOutput {
  FailedRecordCount: number;
  Records: PutRecordsResultEntry[];
  EncryptionType: 'KMS';
}

export interface PutRecordInput extends StreamTarget, PutRecordsRequestEntry {}

export interface PutRecordOutput {
  ShardId: string;
  SequenceNumber: string;
  EncryptionType: 'KMS';
}

export interface ShardDescription {
  ShardId: string;
  ParentShardId?: string;
  AdjacentParentShardId?: string;
  HashKeyRange: { StartingHashKey: string; EndingHashKey: string };
  SequenceNumberRange: { StartingSequenceNumber: string; EndingSequenceNumber?: string };
}

export type ShardIteratorType =
  'TRIM_HORIZON' | 'LATEST' | 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER' | 'AT_TIMESTAMP';

export interface GetShardIteratorInput extends StreamTarget {
  ShardId: string;
  ShardIteratorType: ShardIteratorType;
  StartingSequenceNumber?: string;
  Timestamp?: Date;
}

export interface KinesisRecord {
  SequenceNumber: string;
  ApproximateArrivalTimestamp: Date;
  Data: Uint8Array;
  PartitionKey: string;
  EncryptionType: 'KMS';
}

export interface GetRecordsOutput {
  Records: KinesisRecord[];
  NextShardIterator?: string;
  MillisBehindLatest: number;
  ChildShards?: { ShardId: string; ParentShards: string[]; HashKeyRange: ShardDescription['HashKeyRange'] }[];
}
