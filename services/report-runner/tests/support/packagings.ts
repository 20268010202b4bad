// The params of report-runner's packagings that more than one test file packages with.
export const ALARM_TOPIC = 'arn:aws:sns:us-east-1:123456789012:ingest-transform-test-alarms';
export const INGEST = {
  ingestBucketName: 'pipeline-test-ingest',
  ingestBucketArn: 'arn:aws:s3:::pipeline-test-ingest',
  // analytics-sink's outputs, as serverless-compose.yml passes them.
  realtimeBucketArn: 'arn:aws:s3:::pipeline-test-realtime',
  realtimeGlueDatabaseName: 'pipeline_test_rt',
  alarmTopicArn: ALARM_TOPIC,
};
// The cross-service audit (shared/testing/tests/infrastructure-audit.int.test.ts) audits this
// packaging too, so one run packages it once (shared/testing/package.ts).
export const CREATED_WAREHOUSE_PARAMS = { ...INGEST, warehouse: 'create-serverless' };
