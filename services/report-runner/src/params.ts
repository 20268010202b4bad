/**
 * The rules of report-runner's deployment parameters (`params` in serverless.ts), checked when osls
 * resolves the config (shared/src/serverless/check-params.cjs) and by the local cloud: values
 * CloudFormation, the SQS event source or the function's cold start would refuse fail
 * `sls package` instead, naming the parameter.
 */
import { ARN, METRIC_NAMES } from '@pipeline/shared';
import {
  alarmParamRules,
  allOf,
  arnOf,
  commonParamRules,
  given,
  integerAtLeast,
  integerIn,
  noneOr,
  oneOf,
  orSsmReference,
  paramIs,
  positive,
  postgresParamRules,
  redshiftServerlessParamRules,
  s3BucketName,
  when,
  type ParamCheck,
  type ParamContext,
  type ParamRules,
} from '@pipeline/shared/serverless';

const capitalise = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
const usesExistingRedshift = ({ params }: ParamContext) =>
  params.warehouse === 'redshift-serverless' || params.warehouse === 'redshift-cluster';

// Athena and Glue identifiers (settings.ts reads them with the same pattern at cold start).
const identifier: ParamCheck = (value) =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(value) ? undefined : 'must be a Glue identifier (letters, digits, _)';

const finite: ParamCheck = (value) =>
  value.trim() !== '' && Number.isFinite(Number(value)) ? undefined : 'must be a number';

// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-parameters.html: a batch size above 10
// needs a batching window of at least 1 s.
const batchingWindow: ParamCheck = (value, context) =>
  integerIn(0, 300)(value, context) ??
  (Number(context.params.batchSize) > 10 && Number(value) < 1
    ? `must be at least 1 with batchSize ${String(context.params.batchSize)} (above 10)`
    : undefined);

// An anomaly bound pair must be ordered (settings.ts refuses it at cold start).
const anomalyBounds = Object.fromEntries(
  METRIC_NAMES.flatMap((metric) => {
    const min = `anomaly${capitalise(metric)}Min`;
    const max = `anomaly${capitalise(metric)}Max`;
    const below: ParamCheck = (value, { params }) =>
      Number(value) < Number(params[max]) ? undefined : `must be below ${max} (${String(params[max])})`;
    return [
      [min, allOf(finite, below)],
      [max, finite],
    ];
  }),
);

const quickSightOn = paramIs('quicksight', 'enabled');
const quickSightOverWarehouse = (context: ParamContext) =>
  quickSightOn(context) && context.params.warehouse !== 'none';

// `host:port/database`, which the template splits into QuickSight's PostgreSqlParameters.
const postgresEndpoint: ParamCheck = (value) =>
  /^[A-Za-z0-9.-]+:\d{1,5}\/[A-Za-z_][A-Za-z0-9_$-]*$/.test(value) ? undefined : 'must be host:port/database';

export const paramRules: ParamRules = {
  ...commonParamRules,
  ...alarmParamRules,
  // Deployed alone, the values ingest-transform and analytics-sink published for the stage (ssm
  // dynamic references, resolved by CloudFormation; shared/src/serverless/stage-parameters.ts).
  ingestBucketName: orSsmReference(s3BucketName),
  ingestBucketArn: orSsmReference(arnOf(ARN.s3Bucket)),
  glueDatabaseName: identifier,
  glueTableName: identifier,
  registryTableName: identifier,
  // https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html (SQS): batch
  // 1-10,000, window 0-300 s; ScalingConfig MaximumConcurrency 2-1000.
  batchSize: integerIn(1, 10_000),
  batchingWindowSeconds: batchingWindow,
  maximumConcurrency: integerIn(2, 1000),
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
  maxReceiveCount: integerIn(1, 1000),
  // https://docs.aws.amazon.com/athena/latest/APIReference/API_WorkGroupConfiguration.html: at least 10 MB.
  bytesScannedCutoffPerQuery: integerAtLeast(10_000_000),
  athenaResultsRetentionDays: positive,
  queryDeadlineSeconds: positive,
  partitionConcurrency: positive,
  reportConcurrency: positive,
  rerunDaysBack: positive,
  lateAfterSeconds: positive,
  hubStreamName: given,
  deliveryStreamName: given,
  booksSchedule: given,
  booksEdgeLagSeconds: integerAtLeast(0),
  booksAbsoluteTolerance: integerAtLeast(0),
  ...anomalyBounds,
  warehouse: oneOf('none', 'create-serverless', 'redshift-serverless', 'redshift-cluster', 'postgres'),
  ...redshiftServerlessParamRules,
  redshiftBaseCapacity: when(paramIs('warehouse', 'create-serverless'), positive),
  redshiftClusterIdentifier: when(paramIs('warehouse', 'redshift-cluster'), given),
  redshiftSecretArn: noneOr(arnOf(ARN.secret)),
  // The existing target's role COPYs from the reports bucket (settings.ts requires it).
  redshiftCopyRoleArn: when(usesExistingRedshift, allOf(given, arnOf(ARN.iamRole))),
  ...postgresParamRules,
  dashboard: oneOf('enabled', 'disabled'),
  quicksight: oneOf('enabled', 'disabled'),
  // Every QuickSight asset is granted to this principal, and to no one else.
  quicksightPrincipalArn: when(quickSightOn, allOf(given, arnOf(ARN.quicksightPrincipal))),
  quicksightWarehouseSecretArn: when(quickSightOverWarehouse, allOf(given, arnOf(ARN.secret))),
  quicksightPostgresEndpoint: when(
    (context) => quickSightOn(context) && paramIs('warehouse', 'postgres')(context),
    allOf(given, postgresEndpoint),
  ),
  quicksightVpcConnectionArn: noneOr(arnOf(ARN.quicksightVpcConnection)),
  // Read by the dashboard of a stage without a warehouse (Athena over analytics-sink's tables;
  // settings.ts reads the database with the same pattern at cold start).
  realtimeGlueDatabaseName: when(paramIs('warehouse', 'none'), identifier),
  realtimeBucketArn: when(paramIs('warehouse', 'none'), orSsmReference(arnOf(ARN.s3Bucket))),
};
