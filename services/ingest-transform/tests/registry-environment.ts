// The registry settings the deployed function gets from serverless.ts (after ./environment).
Object.assign(process.env, {
  REGISTRY_BUCKET: 'ingest-transform-dev-ingestbucket-1q2w3e4r5t6y',
  REGISTRY_KEY: 'reference/devices/registry.jsonl',
  REGISTRY_REFRESH_SECONDS: '300',
});
