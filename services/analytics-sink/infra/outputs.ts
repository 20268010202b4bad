import { arn, ref } from '@pipeline/shared/serverless';
import { ALERT_TABLE, WINDOW_PART_TABLE, WINDOW_VIEW_NAME } from '../src/domain/realtime-tables';

export const outputs = {
  AlertTopicArn: { Description: 'SNS topic of real-time threshold alerts', Value: ref('AlertTopic') },
  SinkFailureQueueUrl: {
    Description: 'Batches the sink gave up on (on-failure destination)',
    Value: ref('SinkFailureQueue'),
  },
  RealtimeTable: {
    Description: 'Real-time per-device windows (segments merged): warehouse view or Athena view',
    Value: WINDOW_VIEW_NAME,
  },
  RealtimeBucketName: {
    Description: 'Bucket of the real-time tables without a warehouse (realtime/<table>/dt=/hour=/)',
    Value: ref('RealtimeBucket'),
  },
  RealtimeBucketArn: { Description: 'ARN of the real-time bucket', Value: arn('RealtimeBucket') },
  RealtimeGlueDatabaseName: {
    Description: 'Glue database of the real-time tables (Athena)',
    Value: '${param:glueDatabaseName}',
  },
  RealtimeWindowTableName: {
    Description: 'Glue table of real-time window rows, one per device, window and segment',
    Value: WINDOW_PART_TABLE.name,
  },
  RealtimeWindowViewName: {
    Description: 'Glue (Athena) view of real-time windows, one row per device and window',
    Value: WINDOW_VIEW_NAME,
  },
  RealtimeAlertTableName: { Description: 'Glue table of sent alerts', Value: ALERT_TABLE.name },
};
