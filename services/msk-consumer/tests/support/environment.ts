// The handler module reads its configuration at import (cold start), as in Lambda: tests import
// this file first so the module finds the same values serverless.ts sets by default.
const defaults: Record<string, string> = {
  STAGE: 'test',
  HUB_STREAM_NAME: 'ingest-transform-test-telemetry',
  QUARANTINE_BUCKET: 'msk-consumer-test-quarantine',
  MAX_VALUE_BYTES: '1048576',
  MAX_HUB_RECORD_BYTES: '1048576',
  MAX_FUTURE_SKEW_SECONDS: '300',
  MAX_EVENT_AGE_HOURS: '168',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_NAMESPACE: 'IngestionPipeline',
  POWERTOOLS_SERVICE_NAME: 'msk-consumer',
};
for (const [name, value] of Object.entries(defaults)) process.env[name] ??= value;

export const TEST_ENVIRONMENT = defaults;
