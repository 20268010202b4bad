import { DEFAULT_REGISTRY_KEY, REGISTRY_PREFIX, registryGlueColumns } from '@pipeline/shared/registry';
import {
  glueColumns,
  IOT_QUARANTINE_PREFIX,
  LAKE_PREFIX,
  quarantineTable,
  TRANSFORM_QUARANTINE_PREFIX,
  PARTITION_COLUMNS,
  METRIC,
} from '@pipeline/shared';
import {
  alarm,
  alarmTopicArn,
  alarmTopicConditions,
  alarmTopicParams,
  alarmTopicResources,
  arn,
  assumedBy,
  commonParams,
  devicePolicy,
  esbuildDefaults,
  functionAlarms,
  ifThen,
  logGroup,
  mathAlarm,
  METRICS_NAMESPACE,
  ownTopicActions,
  pipelineDashboard,
  pipelineMetric,
  HOUR_PARTITION_PROJECTION,
  providerDefaults,
  quarantineGlueTable,
  ref,
  secureBucket,
  stageParameterResource,
  sub,
  tlsOnlyBucketPolicy,
  withStageConfigs,
} from '@pipeline/shared/serverless';
import type { AWS } from 'osls';
import { DEFAULT_PROCESSOR_BUFFER_SIZE_MB } from './src/domain/processor-buffer';

const service = 'ingest-transform';
// This stack owns the stage's alarm topic: every alarm notifies it, and its runbook is
// docs/OPERATIONS.md#ingest-transform-<alarm id in lower case>.
const notify = (id: string) => ({ runbook: `${service}-${id.toLowerCase()}`, actions: ownTopicActions });
const ifParquet = (parquet: unknown, json: unknown) => ifThen('IsParquet', parquet, json);

// Athena/Firehose read event and ingest time as ISO-8601 UTC with milliseconds (Joda pattern; ZZ parses "Z").
const TIMESTAMP_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSSZZ";

const config: AWS = {
  service,
  frameworkVersion: '4',
  configValidationMode: 'error',
  plugins: ['serverless-esbuild'],
  // Defaults, then one set per stage file config/<stage>.yml (shared/src/serverless/stage-config.ts).
  params: withStageConfigs(service, {
    default: {
      ...commonParams,
      // The stage's alarm topic is created here unless alarmTopicArn names one; alarmEmail
      // subscribes an address to it. Compose passes the topic to the other services.
      ...alarmTopicParams,
      // Alarm when more than this share (percent) of the records the transform returned in each of
      // two 5-minute periods were rejected (ProcessingFailed): a producer sending the wrong format.
      alarmRejectionPercent: '5',
      // Alarm when Firehose (the hub's GetRecords reader) lags this far behind, or when the newest
      // record in Firehose is this old without reaching S3 (buffer interval x 1.5 plus retries).
      alarmIteratorAgeMilliseconds: '600000',
      alarmDataFreshnessSeconds: '900',
      // Alarm when the hub takes in fewer records than this in each of three 5-minute periods (no data
      // counts as none): a whole fleet gone quiet produces no lake object, no report run and no other
      // alarm. 0 (the default) turns it off, since a quiet dev stage would keep it firing; set it to
      // well below your fleet's normal 5-minute volume.
      alarmMinIncomingRecords: '0',
      streamMode: 'ON_DEMAND',
      shardCount: '2',
      streamRetentionHours: '24',
      lakeFormat: 'parquet',
      // https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html: processor hints
      // 0.2-3 MB and 0-900 s. The transform's response may be many times its input (the canonical
      // line of a terse reading), so the size is bounded by the largest expansion of a valid reading
      // (src/domain/processor-buffer.ts; README): 0.2 MB never diverts one for the 6 MB limit.
      processorBufferSizeMB: DEFAULT_PROCESSOR_BUFFER_SIZE_MB,
      processorBufferIntervalSeconds: '60',
      processorRetries: '3',
      // Record format conversion and dynamic partitioning both need an S3 buffer of at least 64 MB.
      // Below 128 MB per partition and interval the interval decides: 300 s writes 12 objects per
      // hour and partition (and 12 report runs) instead of 60, keeping Firehose's DataFreshness
      // under its 900 s alarm. docs/OPERATIONS.md has the file-size and cost trade-off.
      s3BufferSizeMB: '128',
      s3BufferIntervalSeconds: '300',
      maxRecordBytes: '65536',
      maxFutureSkewSeconds: '300',
      maxEventAgeHours: '168',
      quarantineRetentionDays: '30',
      rawTransitionDays: '30',
      iotRuleEnabled: 'true',
      iotTopicPrefix: 'telemetry',
      // The device registry the transform enriches records from (README "Device registry"). Keep it
      // under reference/devices/, which the Glue table device_registry reads; none turns
      // enrichment off (every record registered = false).
      registryKey: DEFAULT_REGISTRY_KEY,
      // How often a container checks the registry's ETag (a conditional GET) for a new version.
      registryRefreshSeconds: '300',
      transformHandler: 'src/handlers/transform.handler',
      esbuildWorkFolder: '.esbuild',
    },
    // `sls invoke local --stage local`: the same handler reading the registry from the local cloud's
    // ingest bucket folder, wired by the local cloud (local/ is never bundled for AWS). The build
    // goes two folders deeper so the entry from ../../local stays inside .esbuild/.
    local: {
      transformHandler: '../../local/src/functions/ingest-transform.handler',
      esbuildWorkFolder: '.esbuild/local/work',
    },
  }),
  provider: {
    ...providerDefaults(service),
    iam: {
      role: {
        statements: [
          {
            // Only the registry object: the transform reads nothing else from the bucket.
            Sid: 'ReadDeviceRegistry',
            Effect: 'Allow',
            Action: ['s3:GetObject'],
            Resource: sub('${IngestBucket.Arn}/${param:registryKey}'),
          },
          {
            // Its rejections with their reasons (src/adapters/transform-quarantine.ts).
            Sid: 'KeepRejections',
            Effect: 'Allow',
            Action: ['s3:PutObject'],
            Resource: sub(`\${IngestBucket.Arn}/${TRANSFORM_QUARANTINE_PREFIX}*`),
          },
        ],
      },
    },
  },
  package: { individually: true },
  custom: {
    esbuild: { ...esbuildDefaults, outputWorkFolder: '${param:esbuildWorkFolder}' },
    hubStreamName: '${self:service}-${sls:stage}-telemetry',
    deliveryStreamName: '${self:service}-${sls:stage}-lake',
    glueDatabaseName: 'pipeline_${sls:stage}',
    glueTableName: 'telemetry',
    registryTableName: 'device_registry',
    // `sls invoke local` resolves a CloudFormation Ref through the AWS API; the local stage names
    // the local cloud's ingest bucket folder instead, and reads the registry from there.
    registryBucket: { default: ref('IngestBucket'), local: 'local-ingest' },
    // Fails package/deploy naming the parameter when a value would only fail in AWS (src/params.ts).
    checkedParams: '${file(../../shared/src/serverless/check-params.cjs)}',
  },
  functions: {
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
        REGISTRY_BUCKET: '${self:custom.registryBucket.${sls:stage}, self:custom.registryBucket.default}',
        REGISTRY_KEY: '${param:registryKey}',
        REGISTRY_REFRESH_SECONDS: '${param:registryRefreshSeconds}',
        // The transform's rejections with their reasons, under errors/transform/ (quarantine).
        QUARANTINE_BUCKET: '${self:custom.registryBucket.${sls:stage}, self:custom.registryBucket.default}',
      },
    },
  },
  resources: {
    Conditions: {
      ...alarmTopicConditions,
      IsProvisioned: { 'Fn::Equals': ['${param:streamMode}', 'PROVISIONED'] },
      IsParquet: { 'Fn::Equals': ['${param:lakeFormat}', 'parquet'] },
      IotRuleEnabled: { 'Fn::Equals': ['${param:iotRuleEnabled}', 'true'] },
      WatchesHubSilence: { 'Fn::Not': [{ 'Fn::Equals': ['${param:alarmMinIncomingRecords}', '0'] }] },
    },
    Resources: {
      HubStream: {
        Type: 'AWS::Kinesis::Stream',
        Properties: {
          Name: '${self:custom.hubStreamName}',
          StreamModeDetails: { StreamMode: '${param:streamMode}' },
          ShardCount: ifThen('IsProvisioned', '${param:shardCount}'),
          RetentionPeriodHours: '${param:streamRetentionHours}',
          StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
        },
      },

      IngestBucket: secureBucket({
        eventBridge: true,
        lifecycleRules: [
          {
            Id: 'expire-errors',
            Status: 'Enabled',
            Prefix: LAKE_PREFIX.errors,
            ExpirationInDays: '${param:quarantineRetentionDays}',
          },
          {
            Id: 'raw-to-intelligent-tiering',
            Status: 'Enabled',
            Prefix: LAKE_PREFIX.raw,
            Transitions: [
              { StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: '${param:rawTransitionDays}' },
            ],
          },
        ],
      }),
      IngestBucketPolicy: tlsOnlyBucketPolicy('IngestBucket'),
      // For report-runner and analytics-sink deployed on their own: they read these at deploy time
      // (compose passes the outputs below instead). shared/src/serverless/stage-parameters.ts
      IngestBucketNameParameter: stageParameterResource('ingestBucketName', ref('IngestBucket')),
      IngestBucketArnParameter: stageParameterResource('ingestBucketArn', arn('IngestBucket')),
      // The topic every alarm of the stage notifies, for the services deployed on their own.
      AlarmTopicArnParameter: stageParameterResource('alarmTopicArn', alarmTopicArn),

      GlueDatabase: {
        Type: 'AWS::Glue::Database',
        Properties: {
          CatalogId: ref('AWS::AccountId'),
          DatabaseInput: { Name: '${self:custom.glueDatabaseName}', Description: 'Telemetry lake' },
        },
      },
      GlueTable: {
        Type: 'AWS::Glue::Table',
        Properties: {
          CatalogId: ref('AWS::AccountId'),
          DatabaseName: ref('GlueDatabase'),
          TableInput: {
            Name: '${self:custom.glueTableName}',
            Description: 'Canonical telemetry records written by Firehose, partitioned by event hour (UTC)',
            TableType: 'EXTERNAL_TABLE',
            // Partition projection: Athena computes partitions from the layout, no crawler or MSCK REPAIR.
            Parameters: {
              classification: ifParquet('parquet', 'json'),
              ...HOUR_PARTITION_PROJECTION,
              // ${!x} is CloudFormation's escape for a literal ${x}, which Athena fills in.
              'storage.location.template': sub('s3://${IngestBucket}/raw/dt=${!dt}/hour=${!hour}/'),
            },
            PartitionKeys: PARTITION_COLUMNS.map(({ name, glueType, comment }) => ({
              Name: name,
              Type: glueType,
              Comment: comment,
            })),
            StorageDescriptor: {
              Columns: glueColumns(),
              Location: sub('s3://${IngestBucket}/raw/'),
              InputFormat: ifParquet(
                'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
                'org.apache.hadoop.mapred.TextInputFormat',
              ),
              OutputFormat: ifParquet(
                'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
                'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
              ),
              SerdeInfo: ifParquet(
                { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
                {
                  SerializationLibrary: 'org.apache.hive.hcatalog.data.JsonSerDe',
                  Parameters: { 'timestamp.formats': TIMESTAMP_FORMAT },
                },
              ),
              Compressed: ifParquet(false, true),
            },
          },
        },
      },

      // The quarantine's tables over this bucket (shared/src/contracts/quarantine.ts); msk-consumer
      // adds the Kafka one and the view `quarantine` over all of them.
      QuarantineTransformTable: quarantineGlueTable(quarantineTable('transform'), {
        database: ref('GlueDatabase'),
        bucketLogicalId: 'IngestBucket',
      }),
      QuarantineFirehoseTable: quarantineGlueTable(quarantineTable('firehose'), {
        database: ref('GlueDatabase'),
        bucketLogicalId: 'IngestBucket',
      }),
      QuarantineIotTable: quarantineGlueTable(quarantineTable('iot'), {
        database: ref('GlueDatabase'),
        bucketLogicalId: 'IngestBucket',
      }),

      // The device registry for Athena reports to join (per owner, per model, registered but silent).
      RegistryTable: {
        Type: 'AWS::Glue::Table',
        Properties: {
          CatalogId: ref('AWS::AccountId'),
          DatabaseName: ref('GlueDatabase'),
          TableInput: {
            Name: '${self:custom.registryTableName}',
            Description:
              'Device registry (JSON Lines, one device per line), maintained with npm run registry',
            TableType: 'EXTERNAL_TABLE',
            Parameters: { classification: 'json' },
            StorageDescriptor: {
              Columns: registryGlueColumns(),
              Location: sub(`s3://\${IngestBucket}/${REGISTRY_PREFIX}`),
              InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
              OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
              SerdeInfo: { SerializationLibrary: 'org.apache.hive.hcatalog.data.JsonSerDe' },
              Compressed: false,
            },
          },
        },
      },

      DeliveryLogGroup: logGroup(
        '/aws/kinesisfirehose/${self:custom.deliveryStreamName}',
        '${param:logRetentionInDays}',
      ),
      DeliveryLogStream: {
        Type: 'AWS::Logs::LogStream',
        Properties: { LogGroupName: ref('DeliveryLogGroup'), LogStreamName: 'DestinationDelivery' },
      },

      FirehoseRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          Description: 'Firehose: read the hub, invoke the transform, read the Glue schema, write the lake',
          // The external id stops another account's Firehose from using this role (confused deputy).
          AssumeRolePolicyDocument: assumedBy('firehose.amazonaws.com', {
            Condition: { StringEquals: { 'sts:ExternalId': ref('AWS::AccountId') } },
          }),
          Policies: [
            {
              PolicyName: 'delivery',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  {
                    Sid: 'ReadHub',
                    Effect: 'Allow',
                    Action: [
                      'kinesis:DescribeStream',
                      'kinesis:GetShardIterator',
                      'kinesis:GetRecords',
                      'kinesis:ListShards',
                    ],
                    Resource: arn('HubStream'),
                  },
                  {
                    Sid: 'InvokeTransform',
                    Effect: 'Allow',
                    Action: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'],
                    Resource: [arn('TransformLambdaFunction'), sub('${TransformLambdaFunction.Arn}:*')],
                  },
                  {
                    Sid: 'ReadTableSchema',
                    Effect: 'Allow',
                    Action: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
                    Resource: [
                      sub('arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:catalog'),
                      sub(
                        'arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:database/${GlueDatabase}',
                      ),
                      sub(
                        'arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:table/${GlueDatabase}/${GlueTable}',
                      ),
                    ],
                  },
                  {
                    Sid: 'LocateBucket',
                    Effect: 'Allow',
                    Action: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
                    Resource: arn('IngestBucket'),
                  },
                  {
                    Sid: 'WriteLake',
                    Effect: 'Allow',
                    Action: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
                    Resource: [sub('${IngestBucket.Arn}/raw/*'), sub('${IngestBucket.Arn}/errors/*')],
                  },
                  {
                    Sid: 'DeliveryLogs',
                    Effect: 'Allow',
                    Action: ['logs:PutLogEvents'],
                    Resource: sub(
                      'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${DeliveryLogGroup}:log-stream:${DeliveryLogStream}',
                    ),
                  },
                ],
              },
            },
          ],
        },
      },

      DeliveryStream: {
        Type: 'AWS::KinesisFirehose::DeliveryStream',
        Properties: {
          DeliveryStreamName: '${self:custom.deliveryStreamName}',
          DeliveryStreamType: 'KinesisStreamAsSource',
          KinesisStreamSourceConfiguration: {
            KinesisStreamARN: arn('HubStream'),
            RoleARN: arn('FirehoseRole'),
          },
          ExtendedS3DestinationConfiguration: {
            BucketARN: arn('IngestBucket'),
            RoleARN: arn('FirehoseRole'),
            // Partition keys come from the transform's metadata.partitionKeys (event time, UTC).
            Prefix: 'raw/dt=!{partitionKeyFromLambda:dt}/hour=!{partitionKeyFromLambda:hour}/',
            ErrorOutputPrefix:
              'errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/',
            BufferingHints: {
              SizeInMBs: '${param:s3BufferSizeMB}',
              IntervalInSeconds: '${param:s3BufferIntervalSeconds}',
            },
            // Parquet conversion applies Snappy itself; the JSON alternative is gzipped by Firehose.
            CompressionFormat: ifParquet('UNCOMPRESSED', 'GZIP'),
            DynamicPartitioningConfiguration: { Enabled: true, RetryOptions: { DurationInSeconds: 300 } },
            ProcessingConfiguration: {
              Enabled: true,
              Processors: [
                {
                  Type: 'Lambda',
                  Parameters: [
                    { ParameterName: 'LambdaArn', ParameterValue: arn('TransformLambdaFunction') },
                    { ParameterName: 'NumberOfRetries', ParameterValue: '${param:processorRetries}' },
                    { ParameterName: 'BufferSizeInMBs', ParameterValue: '${param:processorBufferSizeMB}' },
                    {
                      ParameterName: 'BufferIntervalInSeconds',
                      ParameterValue: '${param:processorBufferIntervalSeconds}',
                    },
                  ],
                },
              ],
            },
            DataFormatConversionConfiguration: ifParquet(
              {
                Enabled: true,
                InputFormatConfiguration: {
                  Deserializer: { HiveJsonSerDe: { TimestampFormats: [TIMESTAMP_FORMAT] } },
                },
                OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: 'SNAPPY' } } },
                SchemaConfiguration: {
                  CatalogId: ref('AWS::AccountId'),
                  DatabaseName: ref('GlueDatabase'),
                  TableName: ref('GlueTable'),
                  Region: ref('AWS::Region'),
                  RoleARN: arn('FirehoseRole'),
                  VersionId: 'LATEST',
                },
              },
              ref('AWS::NoValue'),
            ),
            CloudWatchLoggingOptions: {
              Enabled: true,
              LogGroupName: ref('DeliveryLogGroup'),
              LogStreamName: ref('DeliveryLogStream'),
            },
          },
        },
      },

      // https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html
      HubIteratorAgeAlarm: alarm({
        ...notify('HubIteratorAgeAlarm'),
        description: 'Hub readers (Firehose) fall behind: records approach the hub retention',
        namespace: 'AWS/Kinesis',
        metricName: 'GetRecords.IteratorAgeMilliseconds',
        dimensions: { StreamName: ref('HubStream') },
        statistic: 'Maximum',
        comparison: 'GreaterThanThreshold',
        threshold: '${param:alarmIteratorAgeMilliseconds}',
        evaluationPeriods: 2,
      }),
      // https://docs.aws.amazon.com/firehose/latest/dev/monitoring-with-cloudwatch-metrics.html
      DeliveryFreshnessAlarm: alarm({
        ...notify('DeliveryFreshnessAlarm'),
        description: 'Firehose holds records it has not delivered to the lake for too long',
        namespace: 'AWS/Firehose',
        metricName: 'DeliveryToS3.DataFreshness',
        dimensions: { DeliveryStreamName: ref('DeliveryStream') },
        statistic: 'Maximum',
        comparison: 'GreaterThanThreshold',
        threshold: '${param:alarmDataFreshnessSeconds}',
      }),
      DeliveryFailureAlarm: alarm({
        ...notify('DeliveryFailureAlarm'),
        description: 'Firehose S3 puts fail (ratio of successful puts below 1): delivery is retrying',
        namespace: 'AWS/Firehose',
        metricName: 'DeliveryToS3.Success',
        dimensions: { DeliveryStreamName: ref('DeliveryStream') },
        statistic: 'Minimum',
        comparison: 'LessThanThreshold',
        threshold: 1,
        evaluationPeriods: 2,
      }),
      ProcessingFailureAlarm: alarm({
        ...notify('ProcessingFailureAlarm'),
        description:
          'Transform invocations fail (errors, timeouts): after retries whole batches go to errors/processing-failed/',
        namespace: 'AWS/Firehose',
        metricName: 'ExecuteProcessing.Success',
        dimensions: { DeliveryStreamName: ref('DeliveryStream') },
        statistic: 'Minimum',
        comparison: 'LessThanThreshold',
        threshold: 1,
      }),
      HubSilenceAlarm: {
        Condition: 'WatchesHubSilence',
        ...alarm({
          ...notify('HubSilenceAlarm'),
          description:
            'The hub takes in almost nothing: devices, gateways or msk-consumer have stopped sending',
          namespace: 'AWS/Kinesis',
          metricName: 'IncomingRecords',
          dimensions: { StreamName: ref('HubStream') },
          statistic: 'Sum',
          comparison: 'LessThanThreshold',
          threshold: '${param:alarmMinIncomingRecords}',
          evaluationPeriods: 3,
          treatMissingData: 'breaching',
        }),
      },
      // The transform's own EMF metric: 1 per batch transformed without a registry although one is
      // configured (cold start with an unreadable or invalid registry): records are delivered, but
      // un-enriched and flagged registered=false. A stale copy after a failed refresh only logs.
      RegistryUnavailableAlarm: alarm({
        ...notify('RegistryUnavailableAlarm'),
        description:
          'The transform has no device registry: records are delivered un-enriched, flagged registered=false',
        namespace: METRICS_NAMESPACE,
        metricName: METRIC.RegistryUnavailable,
        dimensions: { service },
        statistic: 'Maximum',
        comparison: 'GreaterThanThreshold',
        threshold: 0,
      }),
      // The share of ProcessingFailed among the transform's outputs, from its own counts: Firehose's
      // ExecuteProcessing.Success stays 1 when the transform rejects every record, since the
      // invocation itself succeeds. RecordsFailed and RecordsDropped by [service] are the totals
      // over every reason (countByReason); FILL makes a period without rejections count as 0.
      RejectionRateAlarm: mathAlarm({
        ...notify('RejectionRateAlarm'),
        description: 'The transform rejects more than alarmRejectionPercent of the records it receives',
        inputs: {
          ok: { ...pipelineMetric(service, METRIC.RecordsOk), statistic: 'Sum' },
          failed: { ...pipelineMetric(service, METRIC.RecordsFailed), statistic: 'Sum' },
          dropped: { ...pipelineMetric(service, METRIC.RecordsDropped), statistic: 'Sum' },
        },
        expression: '100 * FILL(failed, 0) / (FILL(ok, 0) + FILL(failed, 0) + FILL(dropped, 0))',
        comparison: 'GreaterThanThreshold',
        threshold: '${param:alarmRejectionPercent}',
        evaluationPeriods: 2,
      }),
      ...functionAlarms('Transform', 'The Firehose transform', ownTopicActions),
      ...alarmTopicResources(),
      // The stage's CloudWatch dashboard, pipeline-<stage> (docs/OPERATIONS.md).
      Dashboard: pipelineDashboard(),

      IotRuleRole: {
        Type: 'AWS::IAM::Role',
        Condition: 'IotRuleEnabled',
        Properties: {
          Description: 'IoT Core rule: put device messages into the hub, park failures in the bucket',
          AssumeRolePolicyDocument: assumedBy('iot.amazonaws.com', {
            Condition: { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') } },
          }),
          Policies: [
            {
              PolicyName: 'forward',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  {
                    Sid: 'PutIntoHub',
                    Effect: 'Allow',
                    Action: ['kinesis:PutRecord'],
                    Resource: arn('HubStream'),
                  },
                  {
                    Sid: 'ParkFailures',
                    Effect: 'Allow',
                    Action: ['s3:PutObject'],
                    Resource: sub(`\${IngestBucket.Arn}/${IOT_QUARANTINE_PREFIX}*`),
                  },
                ],
              },
            },
          ],
        },
      },
      // What a device certificate may do (npm run device -- register attaches it): README "Connecting a device".
      DevicePolicy: devicePolicy({ topicPrefix: '${param:iotTopicPrefix}', condition: 'IotRuleEnabled' }),
      IotTopicRule: {
        Type: 'AWS::IoT::TopicRule',
        Condition: 'IotRuleEnabled',
        Properties: {
          TopicRulePayload: {
            Description: 'Device telemetry published on <prefix>/<deviceId> into the Kinesis hub',
            AwsIotSqlVersion: '2016-03-23',
            RuleDisabled: false,
            Sql: "SELECT * FROM '${param:iotTopicPrefix}/+'",
            Actions: [
              {
                // The device id (second topic level) is the partition key: per-device order is kept per shard.
                Kinesis: {
                  StreamName: ref('HubStream'),
                  PartitionKey: sub('${!topic(2)}'),
                  RoleArn: arn('IotRuleRole'),
                },
              },
            ],
            ErrorAction: {
              S3: {
                BucketName: ref('IngestBucket'),
                // Hour partitions, as the quarantine_iot table projects them; parse_time formats in
                // UTC unless given a zone (https://docs.aws.amazon.com/iot/latest/developerguide/iot-sql-functions.html#iot-function-parse-time).
                Key: sub(
                  `${IOT_QUARANTINE_PREFIX}dt=\${!parse_time("yyyy-MM-dd", timestamp())}/hour=\${!parse_time("HH", timestamp())}/\${!newuuid()}.json`,
                ),
                RoleArn: arn('IotRuleRole'),
              },
            },
          },
        },
      },
    },
    Outputs: {
      AlarmTopicArn: {
        Description: "The stage's alarm topic (compose passes it to every service)",
        Value: alarmTopicArn,
      },
      HubStreamName: { Description: 'Kinesis hub stream name', Value: ref('HubStream') },
      HubStreamArn: { Description: 'Kinesis hub stream ARN', Value: arn('HubStream') },
      DeliveryStreamName: { Description: 'Firehose delivery stream', Value: ref('DeliveryStream') },
      IngestBucketName: { Description: 'Ingest bucket (lake)', Value: ref('IngestBucket') },
      IngestBucketArn: { Description: 'Ingest bucket ARN', Value: arn('IngestBucket') },
      GlueDatabaseName: { Description: 'Glue database of the lake', Value: ref('GlueDatabase') },
      GlueTableName: { Description: 'Glue table over raw/', Value: ref('GlueTable') },
      RegistryTableName: { Description: 'Glue table over the device registry', Value: ref('RegistryTable') },
      DevicePolicyName: {
        Description: 'IoT policy attached to each device certificate',
        Condition: 'IotRuleEnabled',
        Value: ref('DevicePolicy'),
      },
    },
  },
};

module.exports = config;
