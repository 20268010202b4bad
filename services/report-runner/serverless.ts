import {
  KAFKA_QUARANTINE_PREFIX,
  LAKE_PREFIX,
  METRIC,
  METRIC_NAMES,
  METRICS,
  QUARANTINE_TABLES,
  QUARANTINE_VIEW,
} from '@pipeline/shared';
import { REGISTRY_PREFIX } from '@pipeline/shared/registry';
import {
  alarm,
  alarmConditions,
  alarmParams,
  alarmTemplateParameters,
  arn,
  assumedBy,
  commonParams,
  deadLetterQueueAlarm,
  encryptedQueue,
  esbuildDefaults,
  fromStageParameter,
  functionAlarms,
  ifThen,
  pipelineMetric,
  providerDefaults,
  ref,
  secureBucket,
  sub,
  tlsOnlyBucketPolicy,
  withStageConfigs,
} from '@pipeline/shared/serverless';
import { DASHBOARD_SOURCES } from '@pipeline/dashboard';
import type { AWS } from 'osls';
import path from 'node:path';
import { QUICKSIGHT_CONDITIONS, quickSightResources } from './src/quicksight/resources';
import { REALTIME_LOOKBACK_HOURS } from './src/domain/dashboard-stores';
import { loadReports } from './src/reports';
import {
  lakeObjectCreatedPattern,
  QUEUE_VISIBILITY_TIMEOUT_SECONDS,
  RUNNER_TIMEOUT_SECONDS,
} from './src/trigger';

const service = 'report-runner';

const ATHENA_RESULTS_PREFIX = 'athena-results/';
const REPORTS_PREFIX = 'reports/';
const DASHBOARD_PREFIX = 'dashboard/';
/**
 * The real-time tables the dashboard of a stage without a warehouse reads: analytics-sink's Glue
 * tables, each over `realtime/<table>/` of its RealtimeBucket (realtime-lake.ts; the infrastructure
 * test checks these against it). The view is not read: it merges segments as the SQL over the
 * part table does, and its rows carry no partition to prune on.
 */
const REALTIME_TABLES = [DASHBOARD_SOURCES.realtimeParts.relation, DASHBOARD_SOURCES.realtimeAlerts.relation];
const realtimeTablePrefix = (table: string) => `realtime/${table}/`;

const functionName = '${self:service}-${sls:stage}-runner';
const booksFunctionName = '${self:service}-${sls:stage}-books';
// osls names the rule of the function's first schedule event so; extended below with a DLQ.
const SCHEDULE_RULE = 'RunnerEventsRuleSchedule1';
const BOOKS_SCHEDULE_RULE = 'BooksEventsRuleSchedule1';
const capitalise = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;

const policy = (name: string, statements: unknown[]) => ({
  PolicyName: name,
  PolicyDocument: { Version: '2012-10-17', Statement: statements },
});

// DescribeStatement and CancelStatement take no resource ARN: the condition limits them to the
// statements this role started. https://docs.aws.amazon.com/redshift/latest/mgmt/data-api-access.html
const ownStatements = {
  Sid: 'FollowOwnStatements',
  Effect: 'Allow',
  Action: [
    'redshift-data:DescribeStatement',
    'redshift-data:GetStatementResult',
    'redshift-data:CancelStatement',
  ],
  Resource: '*',
  Condition: { StringEquals: { 'redshift-data:statement-owner-iam-userid': sub('${!aws:userid}') } },
};

/**
 * What a role running lake queries in the workgroup needs, the runner's and the books': the
 * workgroup's queries, the lake's Glue table, the lake bucket's location (Athena reads the objects
 * with the caller's permissions), and the workgroup's results in the reports bucket.
 */
const queryLakeInWorkgroup = [
  {
    Sid: 'QueryInWorkgroup',
    Effect: 'Allow',
    Action: [
      'athena:StartQueryExecution',
      'athena:GetQueryExecution',
      'athena:GetQueryResults',
      'athena:StopQueryExecution',
    ],
    Resource: sub(
      'arn:${AWS::Partition}:athena:${AWS::Region}:${AWS::AccountId}:workgroup/${AthenaWorkGroup}',
    ),
  },
  {
    Sid: 'ReadLakeTable',
    Effect: 'Allow',
    Action: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions'],
    Resource: [
      sub('arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:catalog'),
      sub('arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:database/${param:glueDatabaseName}'),
      sub(
        'arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:table/${param:glueDatabaseName}/${param:glueTableName}',
      ),
    ],
  },
];
const locateLake = {
  Sid: 'LocateLake',
  Effect: 'Allow',
  Action: ['s3:GetBucketLocation'],
  Resource: '${param:ingestBucketArn}',
};
const athenaResults = [
  {
    Sid: 'LocateReports',
    Effect: 'Allow',
    Action: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
    Resource: arn('ReportsBucket'),
  },
  {
    Sid: 'AthenaResults',
    Effect: 'Allow',
    Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
    Resource: sub(`\${ReportsBucket.Arn}/${ATHENA_RESULTS_PREFIX}*`),
  },
];

/**
 * msk-consumer's quarantine bucket, read by Athena for the quarantine view, only in a stage that
 * has it. Athena reads S3 with the caller's permissions ("users must have permission to access
 * Amazon S3 buckets in order to query them with Athena",
 * https://docs.aws.amazon.com/athena/latest/ug/s3-permissions.html).
 */
const kafkaQuarantineGrants = [
  {
    Sid: 'LocateKafkaQuarantine',
    Action: ['s3:GetBucketLocation'],
    Resource: '${param:kafkaQuarantineBucketArn}',
  },
  {
    Sid: 'ListKafkaQuarantine',
    Action: ['s3:ListBucket'],
    Resource: '${param:kafkaQuarantineBucketArn}',
    Condition: { StringLike: { 's3:prefix': [`${KAFKA_QUARANTINE_PREFIX}*`] } },
  },
  {
    Sid: 'ReadKafkaQuarantine',
    Action: ['s3:GetObject'],
    Resource: `\${param:kafkaQuarantineBucketArn}/${KAFKA_QUARANTINE_PREFIX}*`,
  },
].map((statement) => ifThen('HasKafkaQuarantine', { Effect: 'Allow', ...statement }));

const runnerSettingsEnvironment = {
  INGEST_BUCKET: '${param:ingestBucketName}',
  KAFKA_QUARANTINE_BUCKET_ARN: '${param:kafkaQuarantineBucketArn}',
  LATE_AFTER_SECONDS: '${param:lateAfterSeconds}',
  PARTITION_CONCURRENCY: '${param:partitionConcurrency}',
  REPORT_CONCURRENCY: '${param:reportConcurrency}',
  RERUN_DAYS_BACK: '${param:rerunDaysBack}',
  ...Object.fromEntries(
    METRIC_NAMES.flatMap((metric) => [
      [`ANOMALY_${metric.toUpperCase()}_MIN`, `\${param:anomaly${capitalise(metric)}Min}`],
      [`ANOMALY_${metric.toUpperCase()}_MAX`, `\${param:anomaly${capitalise(metric)}Max}`],
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

const config: AWS = {
  service,
  frameworkVersion: '4',
  configValidationMode: 'error',
  plugins: ['serverless-esbuild'],
  // Defaults, then one set per stage file config/<stage>.yml (shared/src/serverless/stage-config.ts).
  params: withStageConfigs(service, {
    default: {
      ...commonParams,
      ...alarmParams,
      // From ingest-transform: compose passes its outputs; deployed alone, what it published for
      // the stage (resolved by CloudFormation at deploy time; stage-parameters.ts).
      ingestBucketName: fromStageParameter('ingestBucketName'),
      ingestBucketArn: fromStageParameter('ingestBucketArn'),
      glueDatabaseName: 'pipeline_${sls:stage}',
      glueTableName: 'telemetry',
      // The device registry's Glue table (ingest-transform's) and the folder it reads, which the
      // registry reports join.
      registryTableName: 'device_registry',
      registryPrefix: REGISTRY_PREFIX,
      // analytics-sink's real-time tables (Glue, over its RealtimeBucket), which the dashboard of
      // a stage without a warehouse reads through Athena; from analytics-sink through compose or,
      // deployed alone, from what analytics-sink published for the stage.
      realtimeGlueDatabaseName: 'pipeline_${sls:stage}',
      realtimeBucketArn: fromStageParameter('realtimeBucketArn'),
      // msk-consumer's quarantine bucket (errors/msk/), which the quarantine view reads; compose
      // passes its output. msk-consumer is optional in a stage, and it creates the view: \`none\`
      // (no msk-consumer) leaves the quarantine report out. Not a stage parameter reference: the
      // value is compared with \`none\` in a Condition, where CloudFormation refuses one (cfn-lint E1052).
      kafkaQuarantineBucketArn: 'none',
      // SQS event source: a batch over 10 needs a batching window of at least 1 s.
      batchSize: '10',
      batchingWindowSeconds: '5',
      maximumConcurrency: '5',
      maxReceiveCount: '3',
      // Athena: at most 10 GiB scanned per query; scratch results kept a week.
      bytesScannedCutoffPerQuery: '10737418240',
      athenaResultsRetentionDays: '7',
      queryDeadlineSeconds: '240',
      partitionConcurrency: '2',
      reportConcurrency: '4',
      // Daily re-run of yesterday's 24 hours (UTC), after late objects have landed.
      rerunSchedule: 'cron(30 2 * * ? *)',
      rerunDaysBack: '1',
      lateAfterSeconds: '900',
      // The hourly books (src/handlers/books.ts): the hub and the delivery stream whose AWS metrics
      // they read (from ingest-transform through compose; its deterministic names by default), the
      // schedule (at :35, so the previous hour has settled: BOOKS_SETTLE_SECONDS), and the tolerance
      // (shared/src/books/stage.ts): the processor buffer interval plus a minute at each edge.
      hubStreamName: 'ingest-transform-${sls:stage}-telemetry',
      deliveryStreamName: 'ingest-transform-${sls:stage}-lake',
      booksSchedule: 'cron(35 * * * ? *)',
      booksEdgeLagSeconds: '120',
      booksAbsoluteTolerance: '0',
      ...Object.fromEntries(
        METRIC_NAMES.flatMap((metric) => [
          [`anomaly${capitalise(metric)}Min`, String(METRICS[metric].anomaly.min)],
          [`anomaly${capitalise(metric)}Max`, String(METRICS[metric].anomaly.max)],
        ]),
      ),
      // Warehouse: none | create-serverless | redshift-serverless | redshift-cluster | postgres.
      warehouse: 'none',
      redshiftDatabase: 'dev',
      redshiftBaseCapacity: '8',
      redshiftWorkgroupName: 'none',
      redshiftWorkgroupArn: 'none',
      redshiftClusterIdentifier: 'none',
      redshiftDbUser: 'none',
      redshiftSecretArn: 'none',
      redshiftCopyRoleArn: 'none',
      // With warehouse=postgres: a URL without a password, or (any other stage than local) a
      // Secrets Manager secret holding the whole URL.
      warehouseUrl: 'none',
      warehouseUrlSecretArn: 'none',
      // enabled | disabled: regenerate dashboard/index.html after each run, from the warehouse
      // or, with warehouse=none, from the report outputs and the real-time tables.
      dashboard: 'enabled',
      // enabled | disabled: an Amazon QuickSight data source (Athena through the workgroup, or the
      // warehouse), datasets and a dashboard with the static page's panels (docs/DASHBOARD.md).
      quicksight: 'disabled',
      // With quicksight=enabled: the QuickSight user or group that owns them
      // (arn:aws:quicksight:<identity region>:<account>:user/<namespace>/<name>, or group/...).
      quicksightPrincipalArn: 'none',
      // With a warehouse: the Secrets Manager secret (username, password) QuickSight signs in with.
      quicksightWarehouseSecretArn: 'none',
      // With warehouse=postgres: where QuickSight connects, host:port/database.
      quicksightPostgresEndpoint: 'none',
      // A QuickSight VPC connection to reach a private warehouse endpoint.
      quicksightVpcConnectionArn: 'none',
      runnerHandler: 'src/handlers/runner.handler',
      esbuildWorkFolder: '.esbuild',
    },
    // `sls invoke local --stage local`: the same handler with DuckDB, folders and PGlite, wired by
    // the local cloud (local/ is never bundled for AWS). The build goes two folders deeper so the
    // entry from ../../local stays inside .esbuild/.
    local: {
      ingestBucketName: 'local-ingest',
      ingestBucketArn: 'arn:aws:s3:::local-ingest',
      realtimeBucketArn: 'arn:aws:s3:::local-realtime',
      kafkaQuarantineBucketArn: 'arn:aws:s3:::msk-consumer-local-quarantine',
      runnerHandler: '../../local/src/functions/report-runner.handler',
      esbuildWorkFolder: '.esbuild/local/work',
    },
  }),
  provider: providerDefaults(service),
  package: { individually: true, patterns: ['sql/*.sql'] },
  custom: {
    runnerEnvironment: { aws: awsEnvironment, local: runnerSettingsEnvironment },
    // pg's optional native binding is never used; the local engines are only ever loaded from
    // node_modules by the local stage's entry (they have native and WASM parts).
    esbuild: {
      ...esbuildDefaults,
      exclude: [...esbuildDefaults.exclude, 'pg-native', '@duckdb/node-api', '@electric-sql/pglite'],
      outputWorkFolder: '${param:esbuildWorkFolder}',
    },
    // The values a JSON-typed property or a Condition uses, as template parameters
    // (resources.Parameters; stage-parameters.ts templateParameterFor, alarms.ts).
    templateParameters: {
      ...alarmTemplateParameters,
      IngestBucketName: {
        param: 'ingestBucketName',
        description: "The ingest bucket whose new lake objects queue report runs (ingest-transform's)",
      },
    },
    // Fails package/deploy naming the parameter when a value would only fail in AWS (src/params.ts).
    checkedParams: '${file(../../shared/src/serverless/check-params.cjs)}',
  },
  functions: {
    runner: {
      handler: '${param:runnerHandler}',
      description: 'Runs the SQL reports of new lake partitions (Athena) and loads them into the warehouse',
      role: 'RunnerRole',
      timeout: RUNNER_TIMEOUT_SECONDS,
      // Per stage: the local stage gets no CloudFormation intrinsics, which invoke local cannot resolve.
      environment:
        '${self:custom.runnerEnvironment.${sls:stage}, self:custom.runnerEnvironment.aws}' as never,
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
    },
    books: {
      handler: 'src/handlers/books.handler',
      description: 'Reconciles the previous hour hop by hop and publishes BooksDrift',
      role: 'BooksRole',
      timeout: RUNNER_TIMEOUT_SECONDS,
      environment: {
        HUB_STREAM_NAME: '${param:hubStreamName}',
        DELIVERY_STREAM_NAME: '${param:deliveryStreamName}',
        INGEST_BUCKET: '${param:ingestBucketName}',
        REPORTS_BUCKET: ref('ReportsBucket') as never,
        ATHENA_WORKGROUP: ref('AthenaWorkGroup') as never,
        GLUE_DATABASE: '${param:glueDatabaseName}',
        GLUE_TABLE: '${param:glueTableName}',
        BOOKS_EDGE_LAG_SECONDS: '${param:booksEdgeLagSeconds}',
        BOOKS_ABSOLUTE_TOLERANCE: '${param:booksAbsoluteTolerance}',
      },
      events: [
        {
          schedule: {
            rate: ['${param:booksSchedule}'],
            description: 'Reconciles the previous complete hour (the books)',
          },
        },
      ],
      // An asynchronous invocation: after its retries, the event lands in the DLQ (and its alarm).
      destinations: { onFailure: { type: 'sqs', arn: arn('DeadLetterQueue') as never } },
    },
  },
  resources: {
    Parameters: '${file(../../shared/src/serverless/template-parameters.cjs)}' as never,
    Conditions: {
      ...alarmConditions,
      ...QUICKSIGHT_CONDITIONS,
      CreateWarehouse: { 'Fn::Equals': ['${param:warehouse}', 'create-serverless'] },
      PublishDashboard: { 'Fn::Equals': ['${param:dashboard}', 'enabled'] },
      // Without a warehouse the dashboard reads report outputs and the real-time tables.
      DashboardWithoutWarehouse: {
        'Fn::And': [{ Condition: 'PublishDashboard' }, { 'Fn::Equals': ['${param:warehouse}', 'none'] }],
      },
      HasKafkaQuarantine: { 'Fn::Not': [{ 'Fn::Equals': ['${param:kafkaQuarantineBucketArn}', 'none'] }] },
      ExistingServerless: { 'Fn::Equals': ['${param:warehouse}', 'redshift-serverless'] },
      ExistingCluster: { 'Fn::Equals': ['${param:warehouse}', 'redshift-cluster'] },
      UsesServerless: { 'Fn::Or': [{ Condition: 'CreateWarehouse' }, { Condition: 'ExistingServerless' }] },
      HasClusterSecret: {
        'Fn::And': [
          { Condition: 'ExistingCluster' },
          { 'Fn::Not': [{ 'Fn::Equals': ['${param:redshiftSecretArn}', 'none'] }] },
        ],
      },
      HasWarehouseUrlSecret: {
        'Fn::And': [
          { 'Fn::Equals': ['${param:warehouse}', 'postgres'] },
          { 'Fn::Not': [{ 'Fn::Equals': ['${param:warehouseUrlSecretArn}', 'none'] }] },
        ],
      },
      HasClusterDbUser: {
        'Fn::And': [
          { Condition: 'ExistingCluster' },
          { 'Fn::Not': [{ 'Fn::Equals': ['${param:redshiftDbUser}', 'none'] }] },
        ],
      },
    },
    Resources: {
      ReportsBucket: secureBucket({
        lifecycleRules: [
          {
            Id: 'expire-athena-results',
            Status: 'Enabled',
            Prefix: ATHENA_RESULTS_PREFIX,
            ExpirationInDays: '${param:athenaResultsRetentionDays}',
          },
        ],
      }),
      ReportsBucketPolicy: tlsOnlyBucketPolicy('ReportsBucket'),

      DeadLetterQueue: encryptedQueue({ QueueName: '${self:service}-${sls:stage}-dlq' }),
      DeadLetterQueueAlarm: deadLetterQueueAlarm(
        'DeadLetterQueue',
        'report-runner: lake objects, re-run requests or daily re-runs that kept failing',
        'report-runner-deadletterqueuealarm',
      ),
      ...functionAlarms('Runner', 'report-runner'),
      ...functionAlarms('Books', 'report-runner books'),
      // Published once an hour by the books function: any record no hop accounts for.
      BooksDriftAlarm: alarm({
        description: 'report-runner books: records of the previous hour that no hop accounts for',
        runbook: 'report-runner-booksdriftalarm',
        ...pipelineMetric('report-runner', METRIC.BooksDrift),
        statistic: 'Maximum',
        period: 3600,
        comparison: 'GreaterThanThreshold',
        threshold: 0,
      }),
      RunQueue: encryptedQueue({
        QueueName: '${self:service}-${sls:stage}-runs',
        MessageRetentionPeriod: 345600,
        VisibilityTimeout: QUEUE_VISIBILITY_TIMEOUT_SECONDS,
        RedrivePolicy: {
          deadLetterTargetArn: arn('DeadLetterQueue'),
          maxReceiveCount: '${param:maxReceiveCount}',
        },
      }),
      // EventBridge may send to the queue (and to the DLQ when delivery keeps failing), only for this rule.
      QueuesPolicy: {
        Type: 'AWS::SQS::QueuePolicy',
        Properties: {
          Queues: [ref('RunQueue'), ref('DeadLetterQueue')],
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'EventBridgeDelivers',
                Effect: 'Allow',
                Principal: { Service: 'events.amazonaws.com' },
                Action: 'sqs:SendMessage',
                Resource: [arn('RunQueue'), arn('DeadLetterQueue')],
                Condition: {
                  ArnEquals: {
                    'aws:SourceArn': [
                      arn('IngestObjectCreatedRule'),
                      arn(SCHEDULE_RULE),
                      arn(BOOKS_SCHEDULE_RULE),
                    ],
                  },
                },
              },
            ],
          },
        },
      },
      IngestObjectCreatedRule: {
        Type: 'AWS::Events::Rule',
        Properties: {
          Description: 'New lake objects under raw/ in the ingest bucket, queued for the report runner',
          State: 'ENABLED',
          // The bucket through a template parameter, never a dynamic reference in this JSON
          // property (custom.templateParameters; stage-parameters.ts templateParameterFor).
          EventPattern: lakeObjectCreatedPattern(ref('IngestBucketName')),
          Targets: [
            {
              Id: 'report-runner-queue',
              Arn: arn('RunQueue'),
              RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
              DeadLetterConfig: { Arn: arn('DeadLetterQueue') },
            },
          ],
        },
      },

      AthenaWorkGroup: {
        Type: 'AWS::Athena::WorkGroup',
        Properties: {
          Name: '${self:service}-${sls:stage}',
          Description: 'Report queries: results in the reports bucket, bytes scanned capped per query',
          State: 'ENABLED',
          RecursiveDeleteOption: true,
          WorkGroupConfiguration: {
            EnforceWorkGroupConfiguration: true,
            PublishCloudWatchMetricsEnabled: true,
            BytesScannedCutoffPerQuery: '${param:bytesScannedCutoffPerQuery}',
            EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
            ResultConfiguration: {
              OutputLocation: sub(`s3://\${ReportsBucket}/${ATHENA_RESULTS_PREFIX}`),
              EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
            },
          },
        },
      },

      RunnerRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          Description:
            'report-runner: consume its queue, query the lake through its workgroup, write reports, load the warehouse',
          AssumeRolePolicyDocument: assumedBy(['lambda.amazonaws.com']),
          Policies: [
            policy('runner', [
              {
                Sid: 'Logs',
                Effect: 'Allow',
                Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
                Resource: sub(
                  `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${functionName}:*`,
                ),
              },
              {
                Sid: 'ConsumeQueue',
                Effect: 'Allow',
                Action: [
                  'sqs:ReceiveMessage',
                  'sqs:DeleteMessage',
                  'sqs:GetQueueAttributes',
                  'sqs:ChangeMessageVisibility',
                ],
                Resource: arn('RunQueue'),
              },
              {
                Sid: 'FailedRerunsToDlq',
                Effect: 'Allow',
                Action: ['sqs:SendMessage'],
                Resource: arn('DeadLetterQueue'),
              },
              ...queryLakeInWorkgroup,
              {
                // The registry reports join it; Athena needs no more than the table (the catalog
                // and database are granted above).
                Sid: 'ReadRegistryTable',
                Effect: 'Allow',
                Action: ['glue:GetTable'],
                Resource: sub(
                  'arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:table/${param:glueDatabaseName}/${param:registryTableName}',
                ),
              },
              locateLake,
              {
                Sid: 'ListLake',
                Effect: 'Allow',
                Action: ['s3:ListBucket'],
                Resource: '${param:ingestBucketArn}',
                Condition: { StringLike: { 's3:prefix': [`${LAKE_PREFIX.raw}*`] } },
              },
              {
                Sid: 'ReadLake',
                Effect: 'Allow',
                Action: ['s3:GetObject'],
                Resource: `\${param:ingestBucketArn}/${LAKE_PREFIX.raw}*`,
              },
              {
                // Athena lists the registry table's folder and reads its objects (the registry file).
                Sid: 'ListRegistry',
                Effect: 'Allow',
                Action: ['s3:ListBucket'],
                Resource: '${param:ingestBucketArn}',
                Condition: { StringLike: { 's3:prefix': ['${param:registryPrefix}*'] } },
              },
              {
                Sid: 'ReadRegistry',
                Effect: 'Allow',
                Action: ['s3:GetObject'],
                Resource: '${param:ingestBucketArn}/${param:registryPrefix}*',
              },
              {
                // The quarantine report reads the view over every source's table (the tables are
                // partition-projected: no partitions to read).
                Sid: 'ReadQuarantineTables',
                Effect: 'Allow',
                Action: ['glue:GetTable'],
                Resource: [...QUARANTINE_TABLES.map(({ name }) => name), QUARANTINE_VIEW].map((table) =>
                  sub(
                    `arn:\${AWS::Partition}:glue:\${AWS::Region}:\${AWS::AccountId}:table/\${param:glueDatabaseName}/${table}`,
                  ),
                ),
              },
              {
                // The transform's, Firehose's and the IoT rule's error records (errors/...).
                Sid: 'ListIngestQuarantine',
                Effect: 'Allow',
                Action: ['s3:ListBucket'],
                Resource: '${param:ingestBucketArn}',
                Condition: { StringLike: { 's3:prefix': [`${LAKE_PREFIX.errors}*`] } },
              },
              {
                Sid: 'ReadIngestQuarantine',
                Effect: 'Allow',
                Action: ['s3:GetObject'],
                Resource: `\${param:ingestBucketArn}/${LAKE_PREFIX.errors}*`,
              },
              ...kafkaQuarantineGrants,
              ...athenaResults,
              {
                Sid: 'WriteReports',
                Effect: 'Allow',
                Action: ['s3:PutObject'],
                Resource: sub(`\${ReportsBucket.Arn}/${REPORTS_PREFIX}*`),
              },
              ifThen('PublishDashboard', {
                Sid: 'PublishDashboard',
                Effect: 'Allow',
                Action: ['s3:PutObject'],
                Resource: sub(`\${ReportsBucket.Arn}/${DASHBOARD_PREFIX}*`),
              }),
              ifThen('DashboardWithoutWarehouse', {
                // Report outputs of the hours charted (listing is granted by LocateReports).
                Sid: 'DashboardReadReports',
                Effect: 'Allow',
                Action: ['s3:GetObject'],
                Resource: sub(`\${ReportsBucket.Arn}/${REPORTS_PREFIX}*`),
              }),
              ifThen('DashboardWithoutWarehouse', {
                Sid: 'DashboardReadRealtimeTables',
                Effect: 'Allow',
                Action: ['glue:GetDatabase', 'glue:GetTable'],
                Resource: [
                  sub('arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:catalog'),
                  sub(
                    'arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:database/${param:realtimeGlueDatabaseName}',
                  ),
                  ...REALTIME_TABLES.map((table) =>
                    sub(
                      `arn:\${AWS::Partition}:glue:\${AWS::Region}:\${AWS::AccountId}:table/\${param:realtimeGlueDatabaseName}/${table}`,
                    ),
                  ),
                ],
              }),
              ifThen('DashboardWithoutWarehouse', {
                // Athena reads a table's objects with the caller's permissions: it locates the
                // bucket (a request without a prefix), lists the partition folders, reads objects.
                Sid: 'DashboardLocateRealtime',
                Effect: 'Allow',
                Action: ['s3:GetBucketLocation'],
                Resource: '${param:realtimeBucketArn}',
              }),
              ifThen('DashboardWithoutWarehouse', {
                Sid: 'DashboardListRealtime',
                Effect: 'Allow',
                Action: ['s3:ListBucket'],
                Resource: '${param:realtimeBucketArn}',
                Condition: {
                  StringLike: {
                    's3:prefix': REALTIME_TABLES.map((table) => `${realtimeTablePrefix(table)}*`),
                  },
                },
              }),
              ifThen('DashboardWithoutWarehouse', {
                Sid: 'DashboardReadRealtime',
                Effect: 'Allow',
                Action: ['s3:GetObject'],
                Resource: REALTIME_TABLES.map(
                  (table) => `\${param:realtimeBucketArn}/${realtimeTablePrefix(table)}*`,
                ),
              }),
            ]),
            ifThen(
              'UsesServerless',
              policy('warehouse-serverless', [
                {
                  Sid: 'RunStatements',
                  Effect: 'Allow',
                  Action: [
                    'redshift-data:ExecuteStatement',
                    'redshift-data:BatchExecuteStatement',
                    'redshift-serverless:GetCredentials',
                  ],
                  Resource: ifThen(
                    'CreateWarehouse',
                    { 'Fn::GetAtt': ['RedshiftWorkgroup', 'Workgroup.WorkgroupArn'] },
                    '${param:redshiftWorkgroupArn}',
                  ),
                },
                ownStatements,
              ]),
            ),
            ifThen(
              'HasWarehouseUrlSecret',
              policy('warehouse-url-secret', [
                {
                  Sid: 'ReadWarehouseUrlSecret',
                  Effect: 'Allow',
                  Action: ['secretsmanager:GetSecretValue'],
                  Resource: '${param:warehouseUrlSecretArn}',
                },
              ]),
            ),
            ifThen(
              'ExistingCluster',
              policy('warehouse-cluster', [
                {
                  Sid: 'RunStatements',
                  Effect: 'Allow',
                  Action: ['redshift-data:ExecuteStatement', 'redshift-data:BatchExecuteStatement'],
                  Resource: sub(
                    'arn:${AWS::Partition}:redshift:${AWS::Region}:${AWS::AccountId}:cluster:${param:redshiftClusterIdentifier}',
                  ),
                },
                ownStatements,
                ifThen('HasClusterDbUser', {
                  Sid: 'TemporaryCredentials',
                  Effect: 'Allow',
                  Action: ['redshift:GetClusterCredentials'],
                  Resource: [
                    sub(
                      'arn:${AWS::Partition}:redshift:${AWS::Region}:${AWS::AccountId}:dbuser:${param:redshiftClusterIdentifier}/${param:redshiftDbUser}',
                    ),
                    sub(
                      'arn:${AWS::Partition}:redshift:${AWS::Region}:${AWS::AccountId}:dbname:${param:redshiftClusterIdentifier}/${param:redshiftDatabase}',
                    ),
                  ],
                }),
                ifThen('HasClusterSecret', {
                  Sid: 'ReadCredentialsSecret',
                  Effect: 'Allow',
                  Action: ['secretsmanager:GetSecretValue'],
                  Resource: '${param:redshiftSecretArn}',
                }),
              ]),
            ),
          ],
        },
      },

      BooksRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          Description:
            'report-runner books: read the stage metrics, count the lake through the workgroup, read the error prefix and the run manifests',
          AssumeRolePolicyDocument: assumedBy(['lambda.amazonaws.com']),
          Policies: [
            policy('books', [
              {
                Sid: 'Logs',
                Effect: 'Allow',
                Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
                Resource: sub(
                  `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${booksFunctionName}:*`,
                ),
              },
              {
                // GetMetricData has no resource type: "you must specify all resources ("*")".
                // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html
                Sid: 'ReadMetrics',
                Effect: 'Allow',
                Action: ['cloudwatch:GetMetricData'],
                Resource: '*',
              },
              {
                Sid: 'FailedRunsToDlq',
                Effect: 'Allow',
                Action: ['sqs:SendMessage'],
                Resource: arn('DeadLetterQueue'),
              },
              ...queryLakeInWorkgroup,
              locateLake,
              {
                // The lake (Athena reads it with the caller's permissions) and the error prefix.
                Sid: 'ListLakeAndErrors',
                Effect: 'Allow',
                Action: ['s3:ListBucket'],
                Resource: '${param:ingestBucketArn}',
                Condition: { StringLike: { 's3:prefix': [`${LAKE_PREFIX.raw}*`, `${LAKE_PREFIX.errors}*`] } },
              },
              {
                Sid: 'ReadLakeAndErrors',
                Effect: 'Allow',
                Action: ['s3:GetObject'],
                Resource: [
                  `\${param:ingestBucketArn}/${LAKE_PREFIX.raw}*`,
                  `\${param:ingestBucketArn}/${LAKE_PREFIX.errors}*`,
                ],
              },
              ...athenaResults,
              {
                Sid: 'ReadRunManifests',
                Effect: 'Allow',
                Action: ['s3:GetObject'],
                Resource: sub(`\${ReportsBucket.Arn}/${REPORTS_PREFIX}*`),
              },
            ]),
          ],
        },
      },

      RedshiftCopyRole: {
        Type: 'AWS::IAM::Role',
        Condition: 'CreateWarehouse',
        Properties: {
          Description: 'Redshift Serverless: COPY report outputs from the reports bucket',
          AssumeRolePolicyDocument: assumedBy([
            'redshift.amazonaws.com',
            'redshift-serverless.amazonaws.com',
          ]),
          Policies: [
            policy('copy-reports', [
              {
                Sid: 'ListReports',
                Effect: 'Allow',
                Action: ['s3:ListBucket', 's3:GetBucketLocation'],
                Resource: arn('ReportsBucket'),
              },
              {
                Sid: 'ReadReports',
                Effect: 'Allow',
                Action: ['s3:GetObject'],
                Resource: sub(`\${ReportsBucket.Arn}/${REPORTS_PREFIX}*`),
              },
            ]),
          ],
        },
      },
      RedshiftNamespace: {
        Type: 'AWS::RedshiftServerless::Namespace',
        Condition: 'CreateWarehouse',
        // The warehouse's data outlives the stack.
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          NamespaceName: '${self:service}-${sls:stage}',
          DbName: '${param:redshiftDatabase}',
          AdminUsername: 'admin',
          // The admin password lives in Secrets Manager, generated and rotated by Redshift.
          ManageAdminPassword: true,
          IamRoles: [arn('RedshiftCopyRole')],
          DefaultIamRoleArn: arn('RedshiftCopyRole'),
        },
      },
      RedshiftWorkgroup: {
        Type: 'AWS::RedshiftServerless::Workgroup',
        Condition: 'CreateWarehouse',
        Properties: {
          WorkgroupName: '${self:service}-${sls:stage}',
          NamespaceName: ref('RedshiftNamespace'),
          BaseCapacity: '${param:redshiftBaseCapacity}',
          PubliclyAccessible: false,
        },
      },

      ...quickSightResources({
        reports: loadReports(path.join(__dirname, 'sql')).map(({ table }) => ({
          relation: table.name,
          columns: table.columns,
        })),
        reportsPrefix: REPORTS_PREFIX,
        athenaResultsPrefix: ATHENA_RESULTS_PREFIX,
        realtimeTablePrefix,
        realtimeTables: REALTIME_TABLES,
        realtimeLookbackHours: REALTIME_LOOKBACK_HOURS,
      }),
    },
    extensions: {
      // A schedule EventBridge cannot deliver (throttling, a missing permission) never reaches the
      // function's on-failure destination: dead-letter it on the target, into the same DLQ.
      // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html
      [SCHEDULE_RULE]: {
        Properties: {
          Targets: [
            {
              Id: 'runnerSchedule',
              Arn: arn('RunnerLambdaFunction'),
              RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 20 },
              DeadLetterConfig: { Arn: arn('DeadLetterQueue') },
            },
          ],
        },
      },
      [BOOKS_SCHEDULE_RULE]: {
        Properties: {
          Targets: [
            {
              Id: 'booksSchedule',
              Arn: arn('BooksLambdaFunction'),
              RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 20 },
              DeadLetterConfig: { Arn: arn('DeadLetterQueue') },
            },
          ],
        },
      },
    },
    Outputs: {
      ReportsBucketName: { Description: 'Reports bucket', Value: ref('ReportsBucket') },
      ReportsBucketArn: { Description: 'Reports bucket ARN', Value: arn('ReportsBucket') },
      RunQueueUrl: {
        Description: 'Queue of partitions to report (send re-run requests here)',
        Value: ref('RunQueue'),
      },
      DeadLetterQueueUrl: {
        Description: 'Messages and re-runs that kept failing',
        Value: ref('DeadLetterQueue'),
      },
      AthenaWorkGroupName: { Description: 'Athena workgroup of the reports', Value: ref('AthenaWorkGroup') },
      DashboardObject: {
        Condition: 'PublishDashboard',
        Description: 'The dashboard (private): aws s3 presign <this> --expires-in 3600',
        Value: sub(`s3://\${ReportsBucket}/${DASHBOARD_PREFIX}index.html`),
      },
      QuickSightDashboardArn: {
        Condition: 'CreateQuickSight',
        Description: 'The QuickSight dashboard (QuickSight console: Dashboards)',
        Value: arn('QuickSightDashboard'),
      },
      RedshiftWorkgroupName: {
        Condition: 'CreateWarehouse',
        Description: 'Redshift Serverless workgroup',
        Value: ref('RedshiftWorkgroup'),
      },
    },
  },
};

module.exports = config;
