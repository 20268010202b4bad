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
  buildParamRules,
  commonParamRules,
  condition,
  given,
  glueDatabaseName,
  handlerEntry,
  integerAtLeast,
  integerIn,
  kinesisStreamName,
  NONE,
  noneOr,
  oneOf,
  orSsmReference,
  paramIs,
  positive,
  postgresParamRules,
  redshiftDatabaseParamRules,
  redshiftIdentifier,
  redshiftServerlessParamRules,
  rule,
  s3BucketName,
  when,
  type ParamCheck,
  type ParamDescriptions,
  type ParamRules,
} from '@pipeline/shared/serverless';

const capitalise = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
const usesExistingRedshift = condition(
  'warehouse=redshift-serverless or redshift-cluster',
  ({ params }) => params.warehouse === 'redshift-serverless' || params.warehouse === 'redshift-cluster',
);

// Athena and Glue identifiers (settings.ts reads them with the same pattern at cold start).
const identifier: ParamCheck = rule(
  'Glue identifier (letters, digits, _; not starting with a digit)',
  (value) =>
    /^[A-Za-z_][A-Za-z0-9_]*$/.test(value) ? undefined : 'must be a Glue identifier (letters, digits, _)',
);

const finite: ParamCheck = rule('number', (value) =>
  value.trim() !== '' && Number.isFinite(Number(value)) ? undefined : 'must be a number',
);

// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html: cron() of
// six fields, or rate(<value> <unit>) with minute(s), hour(s) or day(s).
const scheduleExpression: ParamCheck = rule('EventBridge cron(<6 fields>) or rate(<n> <unit>)', (value) =>
  /^cron\(\S+(?: \S+){5}\)$/.test(value) || /^rate\([1-9]\d* (?:minutes?|hours?|days?)\)$/.test(value)
    ? undefined
    : 'must be an EventBridge schedule expression: cron() of six fields, or rate(<value> <unit>)',
);

// An object key prefix (the registry folder the grants and the reports read): no leading /, ending in /.
const keyPrefix: ParamCheck = rule('key prefix ending in / (no leading /)', (value) =>
  /^[^/].*\/$/.test(value) ? undefined : 'must be an object key prefix ending in / (no leading /)',
);

// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-parameters.html: a batch size above 10
// needs a batching window of at least 1 s.
const batchingWindow: ParamCheck = rule(
  'integer 0–300; at least 1 with batchSize above 10',
  (value, context) =>
    integerIn(0, 300)(value, context) ??
    (Number(context.params.batchSize) > 10 && Number(value) < 1
      ? `must be at least 1 with batchSize ${String(context.params.batchSize)} (above 10)`
      : undefined),
);

// An anomaly bound pair must be ordered (settings.ts refuses it at cold start).
const anomalyBounds = Object.fromEntries(
  METRIC_NAMES.flatMap((metric) => {
    const min = `anomaly${capitalise(metric)}Min`;
    const max = `anomaly${capitalise(metric)}Max`;
    const below: ParamCheck = rule(`below ${max}`, (value, { params }) =>
      Number(value) < Number(params[max]) ? undefined : `must be below ${max} (${String(params[max])})`,
    );
    return [
      [min, allOf(finite, below)],
      [max, finite],
    ];
  }),
);

const quickSightOn = paramIs('quicksight', 'enabled');
const quickSightOverWarehouse = condition(
  'quicksight=enabled and a warehouse',
  (context) => quickSightOn(context) && context.params.warehouse !== NONE,
);
const quickSightOverPostgres = condition(
  'quicksight=enabled and warehouse=postgres',
  (context) => quickSightOn(context) && paramIs('warehouse', 'postgres')(context),
);

// `host:port/database`, which the template splits into QuickSight's PostgreSqlParameters.
const postgresEndpoint: ParamCheck = rule('host:port/database', (value) =>
  /^[A-Za-z0-9.-]+:\d{1,5}\/[A-Za-z_][A-Za-z0-9_$-]*$/.test(value) ? undefined : 'must be host:port/database',
);

export const paramRules: ParamRules = {
  ...commonParamRules,
  ...alarmParamRules,
  // Deployed alone, the values ingest-transform and analytics-sink published for the stage (ssm
  // dynamic references, resolved by CloudFormation; shared/src/serverless/stage-parameters.ts).
  ingestBucketName: orSsmReference(s3BucketName),
  ingestBucketArn: orSsmReference(arnOf(ARN.s3Bucket)),
  glueDatabaseName,
  glueTableName: identifier,
  registryTableName: identifier,
  registryPrefix: keyPrefix,
  // Compared with none in a Condition, where CloudFormation refuses a dynamic reference.
  kafkaQuarantineBucketArn: noneOr(arnOf(ARN.s3Bucket)),
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
  rerunSchedule: scheduleExpression,
  rerunDaysBack: positive,
  lateAfterSeconds: positive,
  hubStreamName: kinesisStreamName,
  deliveryStreamName: given,
  booksSchedule: allOf(given, scheduleExpression),
  booksEdgeLagSeconds: integerAtLeast(0),
  booksAbsoluteTolerance: integerAtLeast(0),
  ...anomalyBounds,
  warehouse: oneOf(NONE, 'create-serverless', 'redshift-serverless', 'redshift-cluster', 'postgres'),
  ...redshiftDatabaseParamRules,
  ...redshiftServerlessParamRules,
  redshiftBaseCapacity: when(paramIs('warehouse', 'create-serverless'), positive),
  redshiftClusterIdentifier: when(paramIs('warehouse', 'redshift-cluster'), given),
  redshiftDbUser: noneOr(redshiftIdentifier),
  redshiftSecretArn: noneOr(arnOf(ARN.secret)),
  // The existing target's role COPYs from the reports bucket (settings.ts requires it).
  redshiftCopyRoleArn: when(usesExistingRedshift, allOf(given, arnOf(ARN.iamRole))),
  ...postgresParamRules,
  dashboard: oneOf('enabled', 'disabled'),
  quicksight: oneOf('enabled', 'disabled'),
  // Every QuickSight asset is granted to this principal, and to no one else.
  quicksightPrincipalArn: when(quickSightOn, allOf(given, arnOf(ARN.quicksightPrincipal))),
  quicksightWarehouseSecretArn: when(quickSightOverWarehouse, allOf(given, arnOf(ARN.secret))),
  quicksightPostgresEndpoint: when(quickSightOverPostgres, allOf(given, postgresEndpoint)),
  quicksightVpcConnectionArn: noneOr(arnOf(ARN.quicksightVpcConnection)),
  // Read by the dashboard of a stage without a warehouse (Athena over analytics-sink's tables;
  // settings.ts reads the database with the same pattern at cold start).
  realtimeGlueDatabaseName: when(paramIs('warehouse', NONE), identifier),
  realtimeBucketArn: when(paramIs('warehouse', NONE), orSsmReference(arnOf(ARN.s3Bucket))),
  runnerHandler: handlerEntry,
  ...buildParamRules,
};

/** One line per parameter of this service; the shared ones are in SHARED_PARAM_DESCRIPTIONS. */
export const paramDescriptions: ParamDescriptions = {
  glueTableName: "The lake's Glue table (compose passes ingest-transform's GlueTableName)",
  registryTableName: "The device registry's Glue table, which the registry reports join",
  registryPrefix: 'The device registry folder in the ingest bucket, which the role may list and read',
  realtimeGlueDatabaseName:
    "Without a warehouse: the Glue database of analytics-sink's real-time tables, which the dashboard reads",
  realtimeBucketArn: "Without a warehouse: analytics-sink's real-time bucket, which the dashboard reads",
  kafkaQuarantineBucketArn:
    "msk-consumer's quarantine bucket, whose errors/msk/ the quarantine view reads; none: no msk-consumer, no quarantine report",
  batchSize: 'Queue messages per invocation (above 10 needs batchingWindowSeconds of at least 1)',
  batchingWindowSeconds: 'How long the queue gathers a batch; longer means more coalescing',
  maximumConcurrency: 'Concurrent runner invocations from the queue',
  maxReceiveCount: 'Receives before a message moves to the dead-letter queue',
  bytesScannedCutoffPerQuery: "The Athena workgroup's cutoff per query (bytes)",
  athenaResultsRetentionDays: "Days Athena's scratch results are kept",
  queryDeadlineSeconds: 'A query still running after this is stopped',
  partitionConcurrency: 'Partitions queried at once',
  reportConcurrency: 'Reports per partition queried at once',
  rerunSchedule: "When the daily re-run of the previous days' reports starts (UTC)",
  rerunDaysBack: 'Which day the re-run covers (1 = yesterday)',
  lateAfterSeconds: 'data_quality: a record stored later than this after its event time is late',
  deliveryStreamName: "ingest-transform's Firehose stream, whose AWS metrics the hourly books read",
  booksSchedule: 'When the hourly books run (after the previous hour has settled)',
  booksEdgeLagSeconds: 'Books tolerance at each edge of the hour (seconds)',
  booksAbsoluteTolerance: 'Books tolerance in messages',
  ...Object.fromEntries(
    METRIC_NAMES.flatMap((metric) => [
      [`anomaly${capitalise(metric)}Min`, `anomalies report: a ${metric} reading below this is an anomaly`],
      [`anomaly${capitalise(metric)}Max`, `anomalies report: a ${metric} reading above this is an anomaly`],
    ]),
  ),
  redshiftBaseCapacity: 'RPUs of the Redshift Serverless workgroup created with warehouse=create-serverless',
  redshiftClusterIdentifier: 'An existing provisioned Redshift cluster (warehouse=redshift-cluster)',
  redshiftDbUser: 'The database user the runner signs in to the cluster as (or a secret: redshiftSecretArn)',
  redshiftSecretArn: 'A Secrets Manager secret to sign in to the existing Redshift target with',
  redshiftCopyRoleArn: 'The role an existing Redshift target assumes to COPY from the reports bucket',
  dashboard: 'Regenerate dashboard/index.html in the reports bucket after each run',
  quicksight: 'An Amazon QuickSight data source, datasets and dashboard (docs/DASHBOARD.md)',
  quicksightPrincipalArn: 'The QuickSight user or group that owns every QuickSight asset',
  quicksightWarehouseSecretArn: 'With a warehouse: the Secrets Manager secret QuickSight signs in with',
  quicksightPostgresEndpoint: 'With warehouse=postgres: where QuickSight connects',
  quicksightVpcConnectionArn: 'A QuickSight VPC connection to reach a private warehouse endpoint',
  runnerHandler: "Internal: the function's handler (stage local runs local/'s wiring of it)",
};
