import type { StoredRecord } from './Shard';

// The record a Kinesis event source mapping sends its on-failure destination for records it gives
// up on (retries exhausted or records too old): the batch's shard and sequence-number range, not
// the records themselves.
// https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html

/** What the on-failure destination receives for records that were given up. */
export interface KinesisBatchFailure {
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded';
    approximateInvokeCount: number;
  };
  responseContext: { statusCode: number; executedVersion: string; functionError: string };
  version: '1.0';
  timestamp: string;
  KinesisBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
}

export const kinesisBatchFailure = ({
  requestId,
  functionArn,
  shardId,
  streamArn,
  batch,
  attempts,
  error,
  tooOld,
  now,
}: {
  requestId: string;
  functionArn: string;
  shardId: string;
  streamArn: string;
  batch: readonly StoredRecord[];
  attempts: number;
  error: string;
  tooOld: boolean;
  now: number;
}): KinesisBatchFailure => {
  const first = batch[0] as StoredRecord;
  const last = batch.at(-1) as StoredRecord;
  return {
    requestContext: {
      requestId,
      functionArn,
      condition: tooOld ? 'RecordAgeExceeded' : 'RetryAttemptsExhausted',
      approximateInvokeCount: attempts,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: error },
    version: '1.0',
    timestamp: new Date(now).toISOString(),
    KinesisBatchInfo: {
      shardId,
      startSequenceNumber: first.sequenceNumber,
      endSequenceNumber: last.sequenceNumber,
      approximateArrivalOfFirstRecord: new Date(first.approximateArrivalTimestamp).toISOString(),
      approximateArrivalOfLastRecord: new Date(last.approximateArrivalTimestamp).toISOString(),
      batchSize: batch.length,
      streamArn,
    },
  };
};
