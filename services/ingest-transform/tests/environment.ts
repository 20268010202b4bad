// Configuration the deployed function gets from serverless.ts; imported before the handler module.
Object.assign(process.env, {
  MAX_RECORD_BYTES: '65536',
  MAX_FUTURE_SKEW_SECONDS: '300',
  MAX_EVENT_AGE_HOURS: '168',
  // No registry configured (REGISTRY_KEY=none): these tests never reach S3. transform.registry.test.ts
  // sets the deployed values (registry-environment.ts) with S3 mocked.
  REGISTRY_BUCKET: 'none',
  REGISTRY_KEY: 'none',
  REGISTRY_REFRESH_SECONDS: '300',
  // No quarantine writes either (transform.quarantine.test.ts builds the handler with its own).
  QUARANTINE_BUCKET: 'none',
  STAGE: 'dev',
  POWERTOOLS_SERVICE_NAME: 'ingest-transform',
  POWERTOOLS_METRICS_NAMESPACE: 'IngestionPipeline',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  // Metrics go through the global console in dev mode, where the tests read them.
  POWERTOOLS_DEV: 'true',
  POWERTOOLS_METRICS_DISABLED: 'false',
});
