import { METRIC_NAMES } from '@pipeline/shared';
import { arn, ifThen, ref } from '@pipeline/shared/serverless';
import { RUNNER_TIMEOUT_SECONDS } from '../../src/trigger';
import { anomalyParam } from '../params';
import { scheduleTargetWithDeadLetter, type FunctionConfig } from './schedule';

/** The name osls gives the function (its log group is `/aws/lambda/<name>`). */
export const RUNNER_FUNCTION_NAME = '${self:service}-${sls:stage}-runner';
// osls names the rule of the function's first schedule event so; extended below with a DLQ.
export const RUNNER_SCHEDULE_RULE = 'RunnerEventsRuleSchedule1';

const runnerSettingsEnvironment = {
  INGEST_BUCKET: '${param:ingestBucketName}',
  KAFKA_QUARANTINE_BUCKET_ARN: '${param:kafkaQuarantineBucketArn}',
  LATE_AFTER_SECONDS: '${param:lateAfterSeconds}',
  PARTITION_CONCURRENCY: '${param:partitionConcurrency}',
  REPORT_CONCURRENCY: '${param:reportConcurrency}',
  RERUN_DAYS_BACK: '${param:rerunDaysBack}',
  ...Object.fromEntries(
    METRIC_NAMES.flatMap((metric) => [
      [`ANOMALY_${metric.toUpperCase()}_MIN`, `\${param:${anomalyParam(metric, 'Min')}}`],
      [`ANOMALY_${metric.toUpperCase()}_MAX`, `\${param:${anomalyParam(metric, 'Max')}}`],
    ]),
  ),
};

/** The runner's environment in AWS: engine-independent settings plus Athena, S3 and warehouse targets. */
const awsEnvironment = {
  ...runnerSettingsEnvironment,
  REPORTS_BUCKET: ref('ReportsBucket'),
  ATHENA_WORKGROUP: ref('AthenaWorkGroup'),
  GLUE_DATABASE: '${param:glueDatabaseName}',
  GLUE_TABLE: '${param:glueTableName}',
  GLUE_REGISTRY_TABLE: '${param:registryTableName}',
  QUERY_DEADLINE_SECONDS: '${param:queryDeadlineSeconds}',
  WAREHOUSE: ifThen('CreateWarehouse', 'redshift-serverless', '${param:warehouse}'),
  REDSHIFT_WORKGROUP: ifThen('CreateWarehouse', ref('RedshiftWorkgroup'), '${param:redshiftWorkgroupName}'),
  REDSHIFT_DATABASE: '${param:redshiftDatabase}',
  REDSHIFT_CLUSTER: '${param:redshiftClusterIdentifier}',
  REDSHIFT_DB_USER: '${param:redshiftDbUser}',
  REDSHIFT_SECRET_ARN: '${param:redshiftSecretArn}',
  REDSHIFT_COPY_ROLE_ARN: ifThen('CreateWarehouse', arn('RedshiftCopyRole'), '${param:redshiftCopyRoleArn}'),
  WAREHOUSE_URL: '${param:warehouseUrl}',
  WAREHOUSE_URL_SECRET_ARN: '${param:warehouseUrlSecretArn}',
  DASHBOARD: '${param:dashboard}',
  REALTIME_GLUE_DATABASE: '${param:realtimeGlueDatabaseName}',
};

/**
 * The runner's environment per stage (`custom.runnerEnvironment`): the local stage gets no
 * CloudFormation intrinsics, which invoke local cannot resolve.
 */
export const runnerEnvironment = { aws: awsEnvironment, local: runnerSettingsEnvironment };

export const runner: FunctionConfig = {
  handler: '${param:runnerHandler}',
  description: 'Runs the SQL reports of new lake partitions (Athena) and loads them into the warehouse',
  role: 'RunnerRole',
  timeout: RUNNER_TIMEOUT_SECONDS,
  // Per stage: the local stage gets no CloudFormation intrinsics, which invoke local cannot resolve.
  environment: '${self:custom.runnerEnvironment.${sls:stage}, self:custom.runnerEnvironment.aws}' as never,
  events: [
    {
      sqs: {
        arn: arn('RunQueue') as unknown as string,
        batchSize: '${param:batchSize}' as unknown as number,
        maximumBatchingWindow: '${param:batchingWindowSeconds}' as unknown as number,
        maximumConcurrency: '${param:maximumConcurrency}' as unknown as number,
        functionResponseType: 'ReportBatchItemFailures',
      },
    },
    {
      schedule: {
        rate: ['${param:rerunSchedule}'],
        description: "Re-runs the previous day's reports so late partitions are covered",
      },
    },
  ],
  // The scheduled re-run is an asynchronous invocation: after its retries it lands in the DLQ.
  destinations: { onFailure: { type: 'sqs', arn: arn('DeadLetterQueue') as never } },
};

export const runnerExtensions = {
  [RUNNER_SCHEDULE_RULE]: scheduleTargetWithDeadLetter('runnerSchedule', 'RunnerLambdaFunction'),
};
