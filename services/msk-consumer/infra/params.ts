import { alarmParams, commonParams, NONE, withStageConfigs } from '@pipeline/shared/serverless';
import { service } from './service';

// Defaults, then one set per stage file config/<stage>.yml (shared/src/serverless/stage-config.ts).
export const params = withStageConfigs(service, {
  default: {
    ...commonParams,
    ...alarmParams,
    // Alarm when the mapping's consumer group is this many records behind the topic for 15 minutes.
    alarmOffsetLag: '100000',
    // The hub, passed by compose from ingest-transform's outputs. Without an ARN (none) the stack
    // assumes the hub lives in its own account and region under this name.
    hubStreamName: 'ingest-transform-${sls:stage}-telemetry',
    hubStreamArn: NONE,
    // none: no event source mapping (and no cluster permissions), so the stack deploys before
    // the cluster exists.
    mskClusterArn: NONE,
    mskTopic: 'telemetry',
    mskConsumerGroupId: '${self:service}-${sls:stage}',
    // https://docs.aws.amazon.com/lambda/latest/dg/with-msk-process.html: batch 1-10,000 (default
    // 100), window 0-300 s; 500 records fill one PutRecords request.
    mskBatchSize: '500',
    mskBatchingWindowSeconds: '1',
    mskStartingPosition: 'TRIM_HORIZON',
    mskEnabled: 'true',
    // none: IAM access control. A Secrets Manager secret ARN: SASL/SCRAM-512.
    mskSaslScramSecretArn: NONE,
    // ON_DEMAND or PROVISIONED event pollers; only provisioned mode takes the pollers and the
    // retry limit below.
    mskPollerMode: 'ON_DEMAND',
    mskMinimumPollers: '1',
    mskMaximumPollers: '2',
    mskMaximumRetryAttempts: '10',
    // Comma-separated; both none: the function runs outside any VPC (the mapping reaches the
    // cluster through the cluster's own subnets either way).
    vpcSubnetIds: NONE,
    vpcSecurityGroupIds: NONE,
    // Kafka values above a Kinesis record are quarantined; raise both with the hub's record size.
    maxValueBytes: '1048576',
    maxHubRecordBytes: '1048576',
    maxFutureSkewSeconds: '300',
    maxEventAgeHours: '168',
    quarantineRetentionDays: '30',
    // The lake's Glue database (ingest-transform's GlueDatabaseName): the Kafka quarantine table
    // and the view quarantine over every source's table go there.
    glueDatabaseName: 'pipeline_${sls:stage}',
    consumerHandler: 'src/handlers/consumer.handler',
    esbuildWorkFolder: '.esbuild',
  },
  // `sls invoke local --stage local`: the same handler with the hub and the quarantine as files
  // in the local cloud's folder, wired by the local cloud (local/ is never bundled for AWS). The
  // build goes two folders deeper so the entry from ../../local stays inside .esbuild/.
  local: {
    consumerHandler: '../../local/src/functions/msk-consumer.handler',
    esbuildWorkFolder: '.esbuild/local/work',
  },
});
