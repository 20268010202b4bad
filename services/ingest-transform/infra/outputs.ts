import { alarmTopicArn, arn, ref } from '@pipeline/shared/serverless';

export const outputs = {
  AlarmTopicArn: {
    Description: "The stage's alarm topic (compose passes it to every service)",
    Value: alarmTopicArn,
  },
  HubStreamName: { Description: 'Kinesis hub stream name', Value: ref('HubStream') },
  HubStreamArn: { Description: 'Kinesis hub stream ARN', Value: arn('HubStream') },
  DeliveryStreamName: { Description: 'Firehose delivery stream', Value: ref('DeliveryStream') },
  IngestBucketName: { Description: 'Ingest bucket (lake)', Value: ref('IngestBucket') },
  IngestBucketArn: { Description: 'Ingest bucket ARN', Value: arn('IngestBucket') },
  GlueDatabaseName: { Description: 'Glue database of the lake', Value: ref('GlueDatabase') },
  GlueTableName: { Description: 'Glue table over raw/', Value: ref('GlueTable') },
  RegistryTableName: { Description: 'Glue table over the device registry', Value: ref('RegistryTable') },
  DevicePolicyName: {
    Description: 'IoT policy attached to each device certificate',
    Condition: 'IotRuleEnabled',
    Value: ref('DevicePolicy'),
  },
};
