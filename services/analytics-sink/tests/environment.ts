// Configuration the deployed function gets from serverless.ts; imported before the handler module.
Object.assign(process.env, {
  MAX_RECORD_BYTES: '65536',
  MAX_FUTURE_SKEW_SECONDS: '300',
  MAX_EVENT_AGE_HOURS: '168',
  MAX_STATE_BYTES: '800000',
  DEDUP_CAPACITY: '40000',
  ALERT_RULES: 'temperature>80,battery<15',
  ALERT_TARGET: 'arn:aws:sns:us-east-1:123456789012:analytics-sink-test-alerts',
  WAREHOUSE: 'postgres',
  WAREHOUSE_URL: 'postgres://postgres@127.0.0.1:1/unused',
  WAREHOUSE_DEADLINE_SECONDS: '90',
  STAGE: 'test',
  // The deployed handler builds its registry cache over S3 (mocked in the tests that read it).
  REGISTRY_BUCKET: 'ingest-transform-test-ingestbucket-1a2b3c4d5e6f',
  REGISTRY_KEY: 'reference/devices/registry.jsonl',
  REGISTRY_REFRESH_SECONDS: '300',
  POWERTOOLS_SERVICE_NAME: 'analytics-sink',
  POWERTOOLS_METRICS_NAMESPACE: 'IngestionPipeline',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  // Metrics go through the global console in dev mode, where the tests read them.
  POWERTOOLS_DEV: 'true',
  POWERTOOLS_METRICS_DISABLED: 'false',
  AWS_REGION: 'us-east-1',
});
