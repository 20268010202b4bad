import { alarmTopicArn, arn, ref, stageParameterResource } from '@pipeline/shared/serverless';

// For report-runner and analytics-sink deployed on their own: they read these at deploy time
// (compose passes the stack's outputs instead). shared/src/serverless/stage-parameters.ts
export const stageParameters = {
  IngestBucketNameParameter: stageParameterResource('ingestBucketName', ref('IngestBucket')),
  IngestBucketArnParameter: stageParameterResource('ingestBucketArn', arn('IngestBucket')),
  // The topic every alarm of the stage notifies, for the services deployed on their own.
  AlarmTopicArnParameter: stageParameterResource('alarmTopicArn', alarmTopicArn),
};
