// ingest-transform reads its configuration at import: set it as serverless.ts would, before that import.
Object.assign(process.env, {
  MAX_RECORD_BYTES: '65536',
  MAX_FUTURE_SKEW_SECONDS: '300',
  MAX_EVENT_AGE_HOURS: '168',
  // No device registry configured: these contracts are about the simulators, not enrichment.
  STAGE: 'local',
  REGISTRY_BUCKET: 'none',
  REGISTRY_KEY: 'none',
  REGISTRY_REFRESH_SECONDS: '300',
  // Nor a quarantine: the simulators' contracts do not depend on it.
  QUARANTINE_BUCKET: 'none',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
});
