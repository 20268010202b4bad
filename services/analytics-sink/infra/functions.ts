import { arn, ref } from '@pipeline/shared/serverless';
import type { AWS } from 'osls';

/**
 * The real-time bucket the sink writes with warehouse=none (`custom.realtimeBucket`): the stack's
 * bucket; stage local (warehouse=postgres there) names a folder, as invoke local cannot resolve a
 * CloudFormation reference.
 */
export const realtimeBucket = { default: ref('RealtimeBucket'), local: 'local-realtime' };

/** The sink: the hub's records in tumbling windows, per device, into the warehouse or the bucket. */
export const sink: NonNullable<AWS['functions']>[string] = {
  handler: '${param:sinkHandler}',
  description:
    'Real-time per-device window aggregates from the hub into the warehouse, with threshold alerts',
  // Decoding and re-encoding a state of up to ~800 KB per invocation is CPU work.
  memorySize: 1024,
  timeout: 120,
  role: 'SinkRole',
  environment: {
    MAX_RECORD_BYTES: '${param:maxRecordBytes}',
    MAX_FUTURE_SKEW_SECONDS: '${param:maxFutureSkewSeconds}',
    MAX_EVENT_AGE_HOURS: '${param:maxEventAgeHours}',
    MAX_STATE_BYTES: '${param:maxStateBytes}',
    DEDUP_CAPACITY: '${param:dedupCapacity}',
    ALERT_RULES: '${param:alertRules}',
    ALERT_TARGET: '${param:alertTarget}',
    WAREHOUSE: '${param:warehouse}',
    REALTIME_BUCKET: '${self:custom.realtimeBucket.${sls:stage}, self:custom.realtimeBucket.default}',
    REDSHIFT_WORKGROUP: '${param:redshiftWorkgroupName}',
    REDSHIFT_DATABASE: '${param:redshiftDatabase}',
    WAREHOUSE_DEADLINE_SECONDS: '${param:warehouseDeadlineSeconds}',
    WAREHOUSE_URL: '${param:warehouseUrl}',
    WAREHOUSE_URL_SECRET_ARN: '${param:warehouseUrlSecretArn}',
    REGISTRY_BUCKET: '${param:ingestBucketName}',
    REGISTRY_KEY: '${param:registryKey}',
    REGISTRY_REFRESH_SECONDS: '${param:registryRefreshSeconds}',
  },
  events: [
    {
      stream: {
        type: 'kinesis',
        arn: '${param:hubStreamArn}',
        // Enhanced fan-out: dedicated 2 MB/s per shard, no contention with Firehose on the hub.
        // The consumer is declared below (not `consumer: true`) so the role can name it.
        consumer: ref('HubConsumer') as unknown as string,
        startingPosition: '${param:startingPosition}' as 'LATEST',
        batchSize: '${param:batchSize}' as unknown as number,
        batchWindow: '${param:batchingWindowSeconds}' as unknown as number,
        parallelizationFactor: '${param:parallelizationFactor}' as unknown as number,
        tumblingWindowInSeconds: '${param:tumblingWindowSeconds}' as unknown as number,
        functionResponseType: 'ReportBatchItemFailures',
        bisectBatchOnFunctionError: true,
        maximumRetryAttempts: '${param:maximumRetryAttempts}' as unknown as number,
        maximumRecordAgeInSeconds: '${param:maximumRecordAgeSeconds}' as unknown as number,
        destinations: { onFailure: { arn: arn('SinkFailureQueue'), type: 'sqs' } },
      },
    },
  ],
};
