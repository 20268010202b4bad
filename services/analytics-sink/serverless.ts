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
  stageParameterResource,
  sub,
  tlsOnlyBucketPolicy,
  withStageConfigs,
} from '@pipeline/shared/serverless';
import { DEFAULT_REGISTRY_KEY } from '@pipeline/shared/registry';
import { METRIC } from '@pipeline/shared';
import type { AWS } from 'osls';
import {
  REALTIME_PREFIX,
  realtimeGlueColumns,
  realtimeGluePartitionKeys,
  realtimeTablePrefix,
} from './src/domain/realtime-lake';
import { ALERT_TABLE, WINDOW_PART_TABLE, WINDOW_VIEW_NAME } from './src/domain/realtime-tables';
import { athenaViewTable } from './src/domain/realtime-view';

const service = 'analytics-sink';
const runbook = (id: string) => `${service}-${id.toLowerCase()}`;

/**
 * A real-time table as Glue sees it: gzip JSON Lines under `realtime/<table>/dt=/hour=/`, with
 * partition projection so Athena needs no crawler or MSCK REPAIR.
 * https://docs.aws.amazon.com/athena/latest/ug/partition-projection-supported-types.html
 */
const realtimeGlueTable = (table: typeof WINDOW_PART_TABLE, description: string) => ({
  Type: 'AWS::Glue::Table',
  Properties: {
    CatalogId: ref('AWS::AccountId'),
    DatabaseName: '${param:glueDatabaseName}',
    TableInput: {
      Name: table.name,
      Description: description,
      TableType: 'EXTERNAL_TABLE',
      Parameters: {
        classification: 'json',
        'projection.enabled': 'true',
        'projection.dt.type': 'date',
        'projection.dt.format': 'yyyy-MM-dd',
        // Windows may start a little ahead of the clock (maxFutureSkewSeconds): one day of headroom.
        'projection.dt.range': '2024-01-01,NOW+1DAYS',
        'projection.dt.interval': '1',
        'projection.dt.interval.unit': 'DAYS',
        'projection.hour.type': 'integer',
        'projection.hour.range': '0,23',
        'projection.hour.digits': '2',
        // ${!x} is CloudFormation's escape for a literal ${x}, which Athena fills in.
        'storage.location.template': sub(
          `s3://\${RealtimeBucket}/${realtimeTablePrefix(table)}dt=\${!dt}/hour=\${!hour}/`,
        ),
      },
      PartitionKeys: realtimeGluePartitionKeys(),
      StorageDescriptor: {
        Columns: realtimeGlueColumns(table),
        Location: sub(`s3://\${RealtimeBucket}/${realtimeTablePrefix(table)}`),
        InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
        OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
        // Timestamps are written as `YYYY-MM-DD HH:MM:SS.sss`, the SerDe's default timestamp form.
        // https://docs.aws.amazon.com/athena/latest/ug/hive-json-serde.html
        SerdeInfo: { SerializationLibrary: 'org.apache.hive.hcatalog.data.JsonSerDe' },
        Compressed: true,
      },
    },
  },
});

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
      // Alarm when the sink's oldest record in a batch is this old: windows are written late.
      alarmIteratorAgeMilliseconds: '600000',
      // The hub (compose passes ingest-transform's HubStreamArn). Without compose: ingest-transform's
      // stream of the same stage, in this stack's account and region. A Fn::Join (not Fn::Sub) so
      // osls names the event source mapping after the stream, as it does for the compose ARN.
      hubStreamArn: {
        'Fn::Join': [
          '',
          [
            'arn:',
            ref('AWS::Partition'),
            ':kinesis:',
            ref('AWS::Region'),
            ':',
            ref('AWS::AccountId'),
            ':stream/ingest-transform-${sls:stage}-telemetry',
          ],
        ],
      } as unknown as string,
      // The Glue database of the real-time tables (warehouse=none): the lake's, which compose
      // passes (ingest-transform's GlueDatabaseName); this default is the same name.
      glueDatabaseName: 'pipeline_${sls:stage}',
      // https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html: 1-900 s.
      tumblingWindowSeconds: '60',
      // Every invocation of a window carries, decodes and returns the whole window state (all devices
      // of the shard), so fewer, larger batches cost less: a 5 s batching window on a 60 s window
      // (docs/OPERATIONS.md cost model, docs/BENCHMARKS.md bench:e2e). 2000 records of ~300 B stay
      // far below the 6 MB invoke limit next to the state's 1 MB.
      batchSize: '2000',
      batchingWindowSeconds: '5',
      parallelizationFactor: '1',
      startingPosition: 'LATEST',
      maximumRetryAttempts: '20',
      maximumRecordAgeSeconds: '3600',
      maxRecordBytes: '65536',
      maxFutureSkewSeconds: '300',
      maxEventAgeHours: '168',
      maxStateBytes: '800000',
      dedupCapacity: '40000',
      alertRules: 'temperature>80,battery<15',
      // The stack's own topic; `log` writes alerts to the log instead (stage local).
      alertTarget: ref('AlertTopic') as unknown as string,
      // none: the real-time tables are objects in this stack's bucket, queried with Athena (no
      // warehouse to pay for while idle); redshift-serverless or postgres: the warehouse's tables.
      warehouse: 'none',
      redshiftWorkgroupName: 'none',
      redshiftWorkgroupArn: 'none',
      redshiftDatabase: 'dev',
      warehouseDeadlineSeconds: '90',
      // With warehouse=postgres: a URL without a password (the default is the local warehouse),
      // or a Secrets Manager secret holding the whole URL, which wins over warehouseUrl.
      warehouseUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
      warehouseUrlSecretArn: 'none',
      // The device registry (per-device alert thresholds) lives in the ingest bucket; compose passes
      // ingest-transform's bucket, a stack deployed alone reads what ingest-transform published
      // for the stage (resolved by CloudFormation at deploy time; stage-parameters.ts).
      ingestBucketName: fromStageParameter('ingestBucketName'),
      ingestBucketArn: fromStageParameter('ingestBucketArn'),
      registryKey: DEFAULT_REGISTRY_KEY,
      registryRefreshSeconds: '300',
      sinkHandler: 'src/handlers/sink.handler',
      esbuildWorkFolder: '.esbuild',
    },
    // `sls invoke local --stage local`: the local cloud's warehouse (PGlite served over the Postgres
    // protocol) and alerts in the log; no AWS account needed, so the registry is read from the local
    // cloud's ingest bucket folder (as ingest-transform's local stage reads it), not from S3, by the
    // same handler wired by the local cloud (local/ is never bundled for AWS). The build goes two
    // folders deeper so the entry from ../../local stays inside .esbuild/.
    local: {
      warehouse: 'postgres',
      alertTarget: 'log',
      ingestBucketName: 'local-ingest',
      ingestBucketArn: 'arn:aws:s3:::local-ingest',
      sinkHandler: '../../local/src/functions/analytics-sink.handler',
      esbuildWorkFolder: '.esbuild/local/work',
    },
  }),
  provider: {
    ...providerDefaults(service),
    // Only used by `consumer: true`; set so a later switch to it gets the stable naming scheme.
    kinesis: { consumerNamingMode: 'serviceSpecific' },
  },
  package: { individually: true },
  custom: {
    esbuild: { ...esbuildDefaults, outputWorkFolder: '${param:esbuildWorkFolder}' },
    // The stack's bucket; stage local (warehouse=postgres there) names a folder, as invoke local
    // cannot resolve a CloudFormation reference.
    realtimeBucket: { default: ref('RealtimeBucket'), local: 'local-realtime' },
    // Values the Conditions compare, as template parameters (resources.Parameters; alarms.ts).
    templateParameters: alarmTemplateParameters,
    // Fails package/deploy naming the parameter when a value would only fail in AWS (src/params.ts).
    checkedParams: '${file(../../shared/src/serverless/check-params.cjs)}',
  },
  functions: {
    sink: {
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
    },
  },
  resources: {
    Parameters: '${file(../../shared/src/serverless/template-parameters.cjs)}' as never,
    Conditions: {
      ...alarmConditions,
      UsesRedshiftServerless: { 'Fn::Equals': ['${param:warehouse}', 'redshift-serverless'] },
      StoresInBucket: { 'Fn::Equals': ['${param:warehouse}', 'none'] },
      HasWarehouseUrlSecret: {
        'Fn::And': [
          { 'Fn::Equals': ['${param:warehouse}', 'postgres'] },
          { 'Fn::Not': [{ 'Fn::Equals': ['${param:warehouseUrlSecretArn}', 'none'] }] },
        ],
      },
    },
    Resources: {
      HubConsumer: {
        Type: 'AWS::Kinesis::StreamConsumer',
        Properties: { StreamARN: '${param:hubStreamArn}', ConsumerName: '${self:service}-${sls:stage}-sink' },
      },

      AlertTopic: {
        Type: 'AWS::SNS::Topic',
        Properties: {
          TopicName: '${self:service}-${sls:stage}-alerts',
          DisplayName: 'Pipeline real-time alerts',
          // The AWS-managed key: publishers in the account need no KMS grant of their own.
          KmsMasterKeyId: 'alias/aws/sns',
        },
      },
      AlertTopicPolicy: {
        Type: 'AWS::SNS::TopicPolicy',
        Properties: {
          Topics: [ref('AlertTopic')],
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'DenyInsecureTransport',
                Effect: 'Deny',
                Principal: '*',
                Action: 'sns:Publish',
                Resource: ref('AlertTopic'),
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              },
            ],
          },
        },
      },

      // Batches that exhausted their retries (or aged out): the message names the shard and the
      // sequence-number range, so the records can be re-read from the hub while it retains them.
      SinkFailureQueue: encryptedQueue({ QueueName: '${self:service}-${sls:stage}-sink-failures' }),

      SinkFailureQueueAlarm: deadLetterQueueAlarm(
        'SinkFailureQueue',
        'analytics-sink gave up on hub batches: their windows are missing from the warehouse',
        runbook('SinkFailureQueueAlarm'),
      ),
      // https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html (IteratorAge)
      SinkIteratorAgeAlarm: alarm({
        runbook: runbook('SinkIteratorAgeAlarm'),
        description: 'analytics-sink falls behind the hub: real-time windows are late',
        namespace: 'AWS/Lambda',
        metricName: 'IteratorAge',
        dimensions: { FunctionName: ref('SinkLambdaFunction') },
        statistic: 'Maximum',
        comparison: 'GreaterThanThreshold',
        threshold: '${param:alarmIteratorAgeMilliseconds}',
        evaluationPeriods: 2,
      }),
      // The sink's own count of window segments it could not write (warehouse or alert topic down):
      // the invocation fails and Lambda retries, so late windows come before lost ones.
      SegmentWriteFailuresAlarm: alarm({
        runbook: runbook('SegmentWriteFailuresAlarm'),
        description: 'analytics-sink cannot write window segments to the warehouse or publish their alerts',
        ...pipelineMetric(service, METRIC.SegmentWriteFailures),
        statistic: 'Sum',
        comparison: 'GreaterThanOrEqualToThreshold',
        threshold: 1,
      }),
      ...functionAlarms('Sink', 'analytics-sink'),

      // The real-time tables without a warehouse: created in every configuration (an empty bucket
      // and Glue tables cost nothing), written only with warehouse=none.
      RealtimeBucket: secureBucket({ lifecycleRules: [] }),
      RealtimeBucketPolicy: tlsOnlyBucketPolicy('RealtimeBucket'),
      // For report-runner deployed on its own, which reads it at deploy time (compose passes the
      // RealtimeBucketArn output instead). shared/src/serverless/stage-parameters.ts
      RealtimeBucketArnParameter: stageParameterResource('realtimeBucketArn', arn('RealtimeBucket')),
      RealtimeWindowPartTable: realtimeGlueTable(
        WINDOW_PART_TABLE,
        'Real-time per-device window aggregates, one row per device, window and segment (analytics-sink)',
      ),
      RealtimeWindowView: athenaViewTable('${param:glueDatabaseName}'),
      RealtimeAlertTable: realtimeGlueTable(ALERT_TABLE, 'Real-time threshold alerts sent (analytics-sink)'),

      SinkRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          Description:
            'analytics-sink: read the hub through its consumer and the device registry, write the warehouse, publish alerts',
          AssumeRolePolicyDocument: assumedBy('lambda.amazonaws.com'),
          Policies: [
            {
              PolicyName: 'sink',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  {
                    Sid: 'WriteOwnLogs',
                    Effect: 'Allow',
                    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
                    Resource: arn('SinkLogGroup'),
                  },
                  {
                    // https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-create.html
                    Sid: 'ReadHub',
                    Effect: 'Allow',
                    Action: [
                      'kinesis:DescribeStream',
                      'kinesis:DescribeStreamSummary',
                      'kinesis:GetRecords',
                      'kinesis:GetShardIterator',
                      'kinesis:ListShards',
                    ],
                    Resource: '${param:hubStreamArn}',
                  },
                  {
                    Sid: 'SubscribeAsConsumer',
                    Effect: 'Allow',
                    Action: ['kinesis:SubscribeToShard', 'kinesis:DescribeStreamConsumer'],
                    Resource: ref('HubConsumer'),
                  },
                  {
                    Sid: 'ParkFailedBatches',
                    Effect: 'Allow',
                    Action: ['sqs:SendMessage'],
                    Resource: arn('SinkFailureQueue'),
                  },
                  {
                    Sid: 'PublishAlerts',
                    Effect: 'Allow',
                    Action: ['sns:Publish'],
                    Resource: ref('AlertTopic'),
                  },
                  {
                    // The registry object only (a conditional GET answers 304 with this alone). Without
                    // s3:ListBucket a missing object reads as 403, which the sink logs as unavailable.
                    Sid: 'ReadDeviceRegistry',
                    Effect: 'Allow',
                    Action: ['s3:GetObject'],
                    Resource: '${param:ingestBucketArn}/${param:registryKey}',
                  },
                  ifThen('StoresInBucket', {
                    Sid: 'WriteRealtimeTables',
                    Effect: 'Allow',
                    Action: ['s3:PutObject'],
                    Resource: sub(`\${RealtimeBucket.Arn}/${REALTIME_PREFIX}*`),
                  }),
                  ifThen('StoresInBucket', {
                    // HEAD of an alert's record: "already sent?" (s3:GetObject covers HEAD).
                    Sid: 'ReadAlertRecords',
                    Effect: 'Allow',
                    Action: ['s3:GetObject'],
                    Resource: sub(`\${RealtimeBucket.Arn}/${realtimeTablePrefix(ALERT_TABLE)}*`),
                  }),
                  ifThen('StoresInBucket', {
                    // Without it S3 answers HEAD of a missing object with 403, not 404.
                    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html
                    Sid: 'ListAlertRecords',
                    Effect: 'Allow',
                    Action: ['s3:ListBucket'],
                    Resource: arn('RealtimeBucket'),
                    Condition: { StringLike: { 's3:prefix': [`${realtimeTablePrefix(ALERT_TABLE)}*`] } },
                  }),
                  ifThen('UsesRedshiftServerless', {
                    Sid: 'RunWarehouseStatements',
                    Effect: 'Allow',
                    Action: ['redshift-data:ExecuteStatement', 'redshift-data:BatchExecuteStatement'],
                    Resource: '${param:redshiftWorkgroupArn}',
                  }),
                  ifThen('UsesRedshiftServerless', {
                    Sid: 'WarehouseCredentials',
                    Effect: 'Allow',
                    Action: ['redshift-serverless:GetCredentials'],
                    Resource: '${param:redshiftWorkgroupArn}',
                  }),
                  ifThen('HasWarehouseUrlSecret', {
                    Sid: 'ReadWarehouseUrlSecret',
                    Effect: 'Allow',
                    Action: ['secretsmanager:GetSecretValue'],
                    Resource: '${param:warehouseUrlSecretArn}',
                  }),
                  // These Data API actions have no resource type; the condition limits them to
                  // statements this role started.
                  // https://docs.aws.amazon.com/redshift/latest/mgmt/data-api-access.html
                  ifThen('UsesRedshiftServerless', {
                    Sid: 'FollowOwnStatements',
                    Effect: 'Allow',
                    Action: [
                      'redshift-data:DescribeStatement',
                      'redshift-data:GetStatementResult',
                      'redshift-data:CancelStatement',
                    ],
                    Resource: '*',
                    Condition: {
                      StringEquals: {
                        'redshift-data:statement-owner-iam-userid': sub('${!aws:userid}'),
                      },
                    },
                  }),
                ],
              },
            },
          ],
        },
      },
    },
    Outputs: {
      AlertTopicArn: { Description: 'SNS topic of real-time threshold alerts', Value: ref('AlertTopic') },
      SinkFailureQueueUrl: {
        Description: 'Batches the sink gave up on (on-failure destination)',
        Value: ref('SinkFailureQueue'),
      },
      RealtimeTable: {
        Description: 'Real-time per-device windows (segments merged): warehouse view or Athena view',
        Value: WINDOW_VIEW_NAME,
      },
      RealtimeBucketName: {
        Description: 'Bucket of the real-time tables without a warehouse (realtime/<table>/dt=/hour=/)',
        Value: ref('RealtimeBucket'),
      },
      RealtimeBucketArn: { Description: 'ARN of the real-time bucket', Value: arn('RealtimeBucket') },
      RealtimeGlueDatabaseName: {
        Description: 'Glue database of the real-time tables (Athena)',
        Value: '${param:glueDatabaseName}',
      },
      RealtimeWindowTableName: {
        Description: 'Glue table of real-time window rows, one per device, window and segment',
        Value: WINDOW_PART_TABLE.name,
      },
      RealtimeWindowViewName: {
        Description: 'Glue (Athena) view of real-time windows, one row per device and window',
        Value: WINDOW_VIEW_NAME,
      },
      RealtimeAlertTableName: { Description: 'Glue table of sent alerts', Value: ALERT_TABLE.name },
    },
  },
};

module.exports = config;
