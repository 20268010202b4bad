import type { AWS } from 'osls';

/** The bucket the transform reads the registry from and quarantines into (serverless.ts `custom`). */
const ingestBucket = '${self:custom.registryBucket.${sls:stage}, self:custom.registryBucket.default}';

export const functions: AWS['functions'] = {
  transform: {
    handler: '${param:transformHandler}',
    description: 'Firehose record transform: validates, normalises and partitions telemetry',
    // CPU-bound JSON work: 1 GB buys a larger share of a vCPU. Firehose allows at most 5 minutes.
    memorySize: 1024,
    timeout: 120,
    environment: {
      MAX_RECORD_BYTES: '${param:maxRecordBytes}',
      MAX_FUTURE_SKEW_SECONDS: '${param:maxFutureSkewSeconds}',
      MAX_EVENT_AGE_HOURS: '${param:maxEventAgeHours}',
      REGISTRY_BUCKET: ingestBucket,
      REGISTRY_KEY: '${param:registryKey}',
      REGISTRY_REFRESH_SECONDS: '${param:registryRefreshSeconds}',
      // The transform's rejections with their reasons, under errors/transform/ (quarantine).
      QUARANTINE_BUCKET: ingestBucket,
    },
  },
};
