// The in-process simulators of the managed AWS services the local cloud runs the pipeline on.
export * from './clock';
export * from './environment';
export * from './lambda/invoke';
export * from './kinesis/errors';
export * from './kinesis/hash-key';
export * from './kinesis/limits';
export type * from './kinesis/api';
export type { StoredRecord } from './kinesis/Shard';
export * from './kinesis/KinesisStream';
export * from './kinesis/StreamReader';
export {
  TUMBLING_WINDOW_STATE_LIMIT_BYTES,
  type KinesisTumblingWindowEvent,
} from './kinesis/tumbling-window-event';
export type { KinesisBatchFailure } from './kinesis/kinesis-batch-failure';
export * from './kinesis/TumblingWindowEventSourceMapping';
export * from './firehose/encoders';
export * from './firehose/ParquetEncoder';
export * from './firehose/prefix';
export * from './firehose/response';
export { FIREHOSE_LIMITS } from './firehose/limits';
export type { FirehoseKinesisSourceEvent, FirehoseKinesisSourceRecord } from './firehose/event';
export type { ProcessorSettings } from './firehose/Processor';
export {
  S3_RETRY_INTERVAL_MS,
  S3_RETRY_LIMIT_MS,
  type S3DestinationSettings,
} from './firehose/S3Destination';
export * from './firehose/DeliveryStream';
export * from './s3/ObjectStore';
export * from './eventbridge/pattern';
export * from './eventbridge/EventBus';
export * from './sqs/SqsQueue';
export * from './sqs/SqsEventSourceMapping';
export * from './msk/KafkaCluster';
export * from './msk/MskEventSourceMapping';
