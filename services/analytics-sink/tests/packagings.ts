// The params of analytics-sink's packagings that more than one test file packages with.
export const ALARM_TOPIC = 'arn:aws:sns:us-east-1:123456789012:ingest-transform-test-alarms';
export const HUB = 'arn:aws:kinesis:eu-west-1:123456789012:stream/ingest-transform-test-telemetry';
export const WAREHOUSE_URL_SECRET =
  'arn:aws:secretsmanager:us-east-1:123456789012:secret:pipeline-warehouse-AbCdEf';
// Every switch away from its default in one packaging: each `sls package` costs a few seconds. The
// cross-service audit (shared/testing/tests/infrastructure-audit.int.test.ts) audits this packaging
// too, so one run packages it once (shared/testing/package.ts).
export const ALTERNATIVE_PARAMS = {
  hubStreamArn: HUB,
  tumblingWindowSeconds: '300',
  parallelizationFactor: '4',
  batchSize: '1000',
  batchingWindowSeconds: '0',
  maximumRetryAttempts: '5',
  maximumRecordAgeSeconds: '7200',
  warehouse: 'postgres',
  warehouseUrlSecretArn: WAREHOUSE_URL_SECRET,
  alarmTopicArn: ALARM_TOPIC,
  alertRules: 'humidity>95',
  ingestBucketName: 'ingest-transform-test-ingestbucket-1a2b3c4d5e6f',
  ingestBucketArn: 'arn:aws:s3:::ingest-transform-test-ingestbucket-1a2b3c4d5e6f',
  registryKey: 'reference/devices/fleet.csv',
  registryRefreshSeconds: '60',
};
