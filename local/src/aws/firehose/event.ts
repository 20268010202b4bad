import type { StoredRecord } from '../kinesis/Shard';

// The event Firehose sends the transform Lambda when its source is a Kinesis data stream: each
// record carries `kinesisRecordMetadata` beside its id, arrival time and base64 data.
// https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html

/** A record of the transform event when the source is a Kinesis data stream. */
export interface FirehoseKinesisSourceRecord {
  recordId: string;
  approximateArrivalTimestamp: number;
  data: string;
  kinesisRecordMetadata: {
    shardId: string;
    partitionKey: string;
    approximateArrivalTimestamp: number;
    sequenceNumber: string;
    subsequenceNumber: number;
  };
}

/** The event Firehose sends the transform Lambda for a Kinesis-source delivery stream. */
export interface FirehoseKinesisSourceEvent {
  invocationId: string;
  deliveryStreamArn: string;
  sourceKinesisStreamArn: string;
  region: string;
  records: FirehoseKinesisSourceRecord[];
}

/** A stream record on its way to the transform, with the id Firehose gives it. */
export interface PendingRecord {
  shardId: string;
  record: StoredRecord;
  recordId: string;
}

/** The record id the simulator gives a Kinesis-source record: unique, derived from its sequence number. */
export const recordIdOf = (record: StoredRecord): string => `${record.sequenceNumber}${'0'.repeat(12)}`;

export const toSourceRecord = ({
  shardId,
  record,
  recordId,
}: PendingRecord): FirehoseKinesisSourceRecord => ({
  recordId,
  approximateArrivalTimestamp: record.approximateArrivalTimestamp,
  data: Buffer.from(record.data).toString('base64'),
  kinesisRecordMetadata: {
    shardId,
    partitionKey: record.partitionKey,
    approximateArrivalTimestamp: record.approximateArrivalTimestamp,
    sequenceNumber: record.sequenceNumber,
    subsequenceNumber: 0,
  },
});
