import { rm } from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual as isEqual } from 'node:util';
import { DEFAULT_REGISTRY_KEY, REGISTRY_PREFIX, registryGlueColumns } from '@pipeline/shared/registry';
import {
  glueColumns,
  IOT_QUARANTINE_PREFIX,
  LAKE_PREFIX,
  quarantineTable,
  TRANSFORM_QUARANTINE_PREFIX,
  rawPartitionPrefix,
} from '@pipeline/shared';
import {
  allowStatements,
  loadResourceSpec,
  packageService,
  propertiesOf,
  readZip,
  resolveConditions,
  resolveSubs,
  resource,
  resourcesOfType,
  ssmGrants,
  validateReferences,
  validateResourceProperties,
  valueAt,
  wildcardActions,
} from '@pipeline/shared/testing';
import type { CfnTemplate, PackagedService } from '@pipeline/shared/testing';

const SERVICE_DIR = path.resolve(__dirname, '..');
const STAGE = 'test';
// Every switch away from its default in one packaging: each `sls package` costs a few seconds.
const ALTERNATIVE_PARAMS = {
  lakeFormat: 'json',
  streamMode: 'PROVISIONED',
  shardCount: '4',
  iotRuleEnabled: 'false',
  // The only size the processor buffer bound admits (processor-buffer.ts) is also the default.
  processorBufferSizeMB: '0.2',
  processorBufferIntervalSeconds: '120',
  alarmMinIncomingRecords: '1000',
  alarmEmail: 'oncall@example.com',
  quarantineRetentionDays: '90',
};

let packaged: PackagedService;
let alternative: PackagedService;
let template: CfnTemplate;
let deployed: CfnTemplate;
let deployedAlternative: CfnTemplate;

beforeAll(async () => {
  // The spec DB loads on this process while sls packages in a child process.
  [packaged] = await Promise.all([packageService(SERVICE_DIR, { stage: STAGE }), loadResourceSpec()]);
  alternative = await packageService(SERVICE_DIR, { stage: STAGE, params: ALTERNATIVE_PARAMS });
  template = packaged.template;
  deployed = resolveConditions(template);
  deployedAlternative = resolveConditions(alternative.template);
}, 180_000);

afterAll(async () => {
  await Promise.all(
    [packaged, alternative].map((result) => result && rm(result.dir, { recursive: true, force: true })),
  );
});

const destinationOf = (compiled: CfnTemplate): unknown =>
  propertiesOf(compiled, 'DeliveryStream').ExtendedS3DestinationConfiguration;

const processorParameters = (compiled: CfnTemplate): Record<string, unknown> => {
  const processors = valueAt(destinationOf(compiled), 'ProcessingConfiguration.Processors');
  expect(processors).toEqual([expect.objectContaining({ Type: 'Lambda' })]);
  const parameters = valueAt(processors, '[0].Parameters') as {
    ParameterName: string;
    ParameterValue: unknown;
  }[];
  return Object.fromEntries(
    parameters.map(({ ParameterName, ParameterValue }) => [ParameterName, ParameterValue]),
  );
};

const getAtt = (logicalId: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [logicalId, attribute] });

// Logical ids a policy resource names through Ref, Fn::GetAtt or Fn::Sub variables.
const referencedIds = (value: unknown): string[] => {
  const text = JSON.stringify(value);
  const ids = [
    ...[...text.matchAll(/"Ref":"([^"]+)"/g)].map(([, id]) => id),
    ...[...text.matchAll(/"Fn::GetAtt":\["([^"]+)"/g)].map(([, id]) => id),
    ...[...text.matchAll(/\$\{([A-Za-z0-9]+)[.}]/g)].map(([, id]) => id),
  ];
  return ids.filter((id): id is string => id !== undefined && id in template.Resources);
};

describe('ingest-transform infrastructure (sls package)', () => {
  describe('Firehose delivery stream', () => {
    it('reads the hub stream through the Firehose role', () => {
      expect(propertiesOf(template, 'DeliveryStream')).toMatchObject({
        DeliveryStreamType: 'KinesisStreamAsSource',
        KinesisStreamSourceConfiguration: {
          KinesisStreamARN: getAtt('HubStream'),
          RoleARN: getAtt('FirehoseRole'),
        },
      });
    });

    it('invokes the transform function as its record processor, with buffer hints from params', () => {
      expect(processorParameters(template)).toEqual({
        LambdaArn: getAtt('TransformLambdaFunction'),
        NumberOfRetries: '3',
        BufferSizeInMBs: '0.2',
        BufferIntervalInSeconds: '60',
      });
      expect(processorParameters(alternative.template)).toMatchObject({
        BufferSizeInMBs: ALTERNATIVE_PARAMS.processorBufferSizeMB,
        BufferIntervalInSeconds: ALTERNATIVE_PARAMS.processorBufferIntervalSeconds,
      });
    });

    it('keeps processor buffer hints within the 0.2-3 MB and 0-900 s Firehose allows', () => {
      for (const compiled of [template, alternative.template]) {
        const { BufferSizeInMBs, BufferIntervalInSeconds } = processorParameters(compiled);
        expect(Number(BufferSizeInMBs)).toBeGreaterThanOrEqual(0.2);
        expect(Number(BufferSizeInMBs)).toBeLessThanOrEqual(3);
        expect(Number(BufferIntervalInSeconds)).toBeGreaterThanOrEqual(0);
        expect(Number(BufferIntervalInSeconds)).toBeLessThanOrEqual(900);
      }
    });

    it('gives the transform a timeout Firehose accepts (at most 5 minutes)', () => {
      expect(Number(propertiesOf(template, 'TransformLambdaFunction').Timeout)).toBeLessThanOrEqual(300);
    });

    it('partitions objects by the event date and hour the transform returns, in the lake layout', () => {
      expect(destinationOf(template)).toMatchObject({
        DynamicPartitioningConfiguration: { Enabled: true },
        Prefix: rawPartitionPrefix({
          dt: '!{partitionKeyFromLambda:dt}',
          hour: '!{partitionKeyFromLambda:hour}',
        }),
      });
    });

    it('buffers at least 64 MB before writing, as dynamic partitioning and Parquet conversion require', () => {
      const size = Number(valueAt(destinationOf(template), 'BufferingHints.SizeInMBs'));
      expect(size).toBeGreaterThanOrEqual(64);
      expect(size).toBeLessThanOrEqual(128);
    });

    it('routes failed records to an error prefix named by the error output type', () => {
      const errorPrefix = valueAt(destinationOf(template), 'ErrorOutputPrefix');
      expect(errorPrefix).toEqual(expect.stringMatching(new RegExp(`^${LAKE_PREFIX.errors}`)));
      expect(errorPrefix).toContain('!{firehose:error-output-type}');
    });

    it('converts records to Snappy Parquet against the Glue table by default', () => {
      expect(destinationOf(deployed)).toMatchObject({
        CompressionFormat: 'UNCOMPRESSED',
        DataFormatConversionConfiguration: {
          Enabled: true,
          InputFormatConfiguration: { Deserializer: { HiveJsonSerDe: {} } },
          OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: 'SNAPPY' } } },
          SchemaConfiguration: {
            DatabaseName: { Ref: 'GlueDatabase' },
            TableName: { Ref: 'GlueTable' },
            RoleARN: getAtt('FirehoseRole'),
          },
        },
      });
    });

    it('writes gzipped JSON and a matching JSON Glue table when lakeFormat=json', () => {
      const destination = destinationOf(deployedAlternative);
      expect(destination).toMatchObject({ CompressionFormat: 'GZIP' });
      expect(destination).not.toHaveProperty('DataFormatConversionConfiguration');
      expect(propertiesOf(deployedAlternative, 'GlueTable')).toMatchObject({
        TableInput: {
          Parameters: { classification: 'json' },
          StorageDescriptor: {
            SerdeInfo: { SerializationLibrary: 'org.apache.hive.hcatalog.data.JsonSerDe' },
          },
        },
      });
    });

    it('logs delivery errors to its own log group with a retention', () => {
      expect(destinationOf(template)).toMatchObject({
        CloudWatchLoggingOptions: {
          Enabled: true,
          LogGroupName: { Ref: 'DeliveryLogGroup' },
          LogStreamName: { Ref: 'DeliveryLogStream' },
        },
      });
      expect(Number(propertiesOf(template, 'DeliveryLogGroup').RetentionInDays)).toBeGreaterThan(0);
    });
  });

  describe('Kinesis hub stream', () => {
    it('encrypts records at rest with KMS', () => {
      expect(propertiesOf(template, 'HubStream')).toMatchObject({
        StreamEncryption: { EncryptionType: 'KMS' },
      });
    });

    it('runs on demand without a shard count by default', () => {
      expect(propertiesOf(deployed, 'HubStream')).toMatchObject({
        StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      });
      expect(propertiesOf(deployed, 'HubStream')).not.toHaveProperty('ShardCount');
    });

    it('provisions the shard count from params when streamMode=PROVISIONED', () => {
      expect(propertiesOf(deployedAlternative, 'HubStream')).toMatchObject({
        StreamModeDetails: { StreamMode: 'PROVISIONED' },
        ShardCount: ALTERNATIVE_PARAMS.shardCount,
      });
    });
  });

  describe('ingest bucket', () => {
    const bucket = () => propertiesOf(template, 'IngestBucket');

    it('encrypts objects by default', () => {
      expect(valueAt(bucket(), 'BucketEncryption.ServerSideEncryptionConfiguration')).toEqual([
        expect.objectContaining({
          ServerSideEncryptionByDefault: { SSEAlgorithm: expect.stringMatching(/^(AES256|aws:kms)$/) },
        }),
      ]);
    });

    it('blocks every kind of public access', () => {
      expect(bucket().PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
    });

    it('denies any request without TLS, on the bucket and on its objects', () => {
      const policy = resourcesOfType(template, 'AWS::S3::BucketPolicy').find(
        ({ resource: { Properties } }) => valueAt(Properties, 'Bucket.Ref') === 'IngestBucket',
      );
      expect(valueAt(policy?.resource.Properties, 'PolicyDocument.Statement')).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          Resource: expect.arrayContaining([
            getAtt('IngestBucket'),
            { 'Fn::Join': ['', [getAtt('IngestBucket'), '/*']] },
          ]),
        }),
      );
    });

    it('sends object events to EventBridge', () => {
      expect(bucket()).toMatchObject({
        NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
      });
    });

    it('expires errors/ (the quarantine) after quarantineRetentionDays and moves raw/ to cheaper storage', () => {
      const rules = valueAt(bucket(), 'LifecycleConfiguration.Rules');
      expect(rules).toContainEqual(
        expect.objectContaining({ Status: 'Enabled', Prefix: LAKE_PREFIX.errors, ExpirationInDays: '30' }),
      );
      expect(
        valueAt(propertiesOf(alternative.template, 'IngestBucket'), 'LifecycleConfiguration.Rules'),
      ).toContainEqual(expect.objectContaining({ Prefix: LAKE_PREFIX.errors, ExpirationInDays: '90' }));
      expect(rules).toContainEqual(
        expect.objectContaining({
          Status: 'Enabled',
          Prefix: LAKE_PREFIX.raw,
          Transitions: [expect.objectContaining({ StorageClass: expect.any(String) })],
        }),
      );
    });

    it('outlives the stack', () => {
      expect(resource(template, 'IngestBucket')).toMatchObject({
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });
  });

  describe('Glue table', () => {
    const tableInput = () => propertiesOf(template, 'GlueTable').TableInput;

    it('projects dt (date) and hour (two-digit integer) partitions onto the Firehose prefix', () => {
      expect(valueAt(tableInput(), 'Parameters')).toMatchObject({
        'projection.enabled': 'true',
        'projection.dt.type': 'date',
        'projection.dt.format': 'yyyy-MM-dd',
        // Readings may be timed up to maxFutureSkewSeconds ahead of the clock, so near midnight UTC
        // they land in tomorrow's dt= folder; with NOW as the end, Athena would not list it yet.
        'projection.dt.range': '2024-01-01,NOW+1DAYS',
        'projection.hour.type': 'integer',
        'projection.hour.range': '0,23',
        'projection.hour.digits': '2',
        'storage.location.template': {
          'Fn::Sub': `s3://\${IngestBucket}/${rawPartitionPrefix({ dt: '${!dt}', hour: '${!hour}' })}`,
        },
      });
      expect(valueAt(tableInput(), 'PartitionKeys')).toEqual([
        expect.objectContaining({ Name: 'dt' }),
        expect.objectContaining({ Name: 'hour' }),
      ]);
    });

    it('declares exactly the columns of the shared canonical schema, so the lake cannot drift from it', () => {
      expect(valueAt(tableInput(), 'StorageDescriptor.Columns')).toEqual(glueColumns());
    });

    it('reads Parquet by default', () => {
      expect(
        valueAt(
          propertiesOf(deployed, 'GlueTable'),
          'TableInput.StorageDescriptor.SerdeInfo.SerializationLibrary',
        ),
      ).toBe('org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe');
    });
  });

  // The quarantine's tables over this bucket (shared/src/contracts/quarantine.ts; msk-consumer adds
  // the Kafka table and the view over all of them).
  describe('quarantine tables', () => {
    const tables = [
      ['QuarantineTransformTable', 'transform', `${TRANSFORM_QUARANTINE_PREFIX}dt=\${!dt}/hour=\${!hour}/`],
      ['QuarantineFirehoseTable', 'firehose', `errors/\${!error_output_type}/dt=\${!dt}/hour=\${!hour}/`],
      ['QuarantineIotTable', 'iot', `${IOT_QUARANTINE_PREFIX}dt=\${!dt}/hour=\${!hour}/`],
    ] as const;

    it.each(tables)(
      '%s projects hour partitions over its prefix, with the shared columns',
      (logicalId, source, location) => {
        const input = propertiesOf(template, logicalId).TableInput;
        const table = quarantineTable(source);
        expect(input).toMatchObject({
          Name: table.name,
          Parameters: {
            'projection.enabled': 'true',
            'projection.dt.type': 'date',
            'projection.hour.type': 'integer',
            'projection.hour.digits': '2',
            'storage.location.template': { 'Fn::Sub': `s3://\${IngestBucket}/${location}` },
          },
        });
        expect(valueAt(input, 'StorageDescriptor.Columns')).toEqual(
          table.columns.map(({ name, glueType, comment }) => ({
            Name: name,
            Type: glueType,
            Comment: comment,
          })),
        );
      },
    );

    it("projects Firehose's error output types as an enum partition", () => {
      expect(
        valueAt(propertiesOf(template, 'QuarantineFirehoseTable'), 'TableInput.Parameters'),
      ).toMatchObject({
        'projection.error_output_type.type': 'enum',
        'projection.error_output_type.values': 'processing-failed,format-conversion-failed',
      });
    });

    it('lets the transform write its rejections only under errors/transform/, in the ingest bucket', () => {
      expect(propertiesOf(deployed, 'TransformLambdaFunction')).toMatchObject({
        Environment: { Variables: expect.objectContaining({ QUARANTINE_BUCKET: { Ref: 'IngestBucket' } }) },
      });
      const statement = allowStatements(deployed).find(({ sid }) => sid === 'KeepRejections');
      expect(statement).toMatchObject({
        actions: ['s3:PutObject'],
        resources: [{ 'Fn::Sub': `\${IngestBucket.Arn}/${TRANSFORM_QUARANTINE_PREFIX}*` }],
      });
    });

    it("writes the IoT rule's error messages into hour partitions the iot table projects", () => {
      expect(valueAt(propertiesOf(template, 'IotTopicRule'), 'TopicRulePayload.ErrorAction.S3.Key')).toEqual({
        'Fn::Sub': `${IOT_QUARANTINE_PREFIX}dt=\${!parse_time("yyyy-MM-dd", timestamp())}/hour=\${!parse_time("HH", timestamp())}/\${!newuuid()}.json`,
      });
    });
  });

  describe('hub silence alarm', () => {
    it('is off by default (a quiet dev stage would keep it firing)', () => {
      expect(deployed.Resources?.HubSilenceAlarm).toBeUndefined();
    });

    it('with alarmMinIncomingRecords, fires on three quiet 5-minute periods, no data counting as quiet', () => {
      expect(deployedAlternative.Resources?.HubSilenceAlarm?.Properties).toMatchObject({
        Namespace: 'AWS/Kinesis',
        MetricName: 'IncomingRecords',
        Dimensions: [{ Name: 'StreamName', Value: { Ref: 'HubStream' } }],
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 3,
        ComparisonOperator: 'LessThanThreshold',
        Threshold: '1000',
        TreatMissingData: 'breaching',
      });
    });
  });

  describe("the stage's alarm topic", () => {
    const alarms = (compiled: CfnTemplate) =>
      Object.entries(compiled.Resources ?? {}).filter(
        ([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm',
      );

    it('is created by default and every alarm notifies it, in alarm and back to OK', () => {
      expect(deployed.Resources?.AlarmTopic?.Type).toBe('AWS::SNS::Topic');
      expect(alarms(deployed).length).toBeGreaterThan(5);
      for (const [, { Properties }] of alarms(deployed)) {
        expect(Properties?.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
        expect(Properties?.OKActions).toEqual([{ Ref: 'AlarmTopic' }]);
      }
      expect(deployed.Outputs?.AlarmTopicArn?.Value).toEqual({ Ref: 'AlarmTopic' });
    });

    // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services:
    // CloudWatch publishes to an encrypted topic only with a grant in the key policy, which the
    // AWS-managed key alias/aws/sns cannot carry.
    it("lets this account's CloudWatch alarms publish, and is not under the AWS-managed SNS key", () => {
      expect(deployed.Resources?.AlarmTopic?.Properties).not.toHaveProperty('KmsMasterKeyId');
      const statements = valueAt(propertiesOf(deployed, 'AlarmTopicPolicy'), 'PolicyDocument.Statement');
      expect(statements).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: expect.objectContaining({
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            }),
          }),
        ]),
      );
    });

    it('subscribes alarmEmail, and nobody without it', () => {
      expect(deployed.Resources?.AlarmEmailSubscription).toBeUndefined();
      expect(deployedAlternative.Resources?.AlarmEmailSubscription?.Properties).toEqual({
        TopicArn: { Ref: 'AlarmTopic' },
        Protocol: 'email',
        Endpoint: 'oncall@example.com',
      });
    });
  });

  describe('rejection rate alarm', () => {
    it("divides the transform's rejected records by all it returned, with its own metric names", () => {
      const properties = deployed.Resources?.RejectionRateAlarm?.Properties as Record<string, unknown>;
      const metrics = properties.Metrics as {
        Id: string;
        MetricStat?: { Metric: Record<string, unknown> };
      }[];
      expect(
        metrics.filter(({ MetricStat }) => MetricStat).map(({ Id, MetricStat }) => [Id, MetricStat!.Metric]),
      ).toEqual([
        [
          'ok',
          {
            Namespace: 'IngestionPipeline',
            MetricName: 'RecordsOk',
            Dimensions: [{ Name: 'service', Value: 'ingest-transform' }],
          },
        ],
        [
          'failed',
          {
            Namespace: 'IngestionPipeline',
            MetricName: 'RecordsFailed',
            Dimensions: [{ Name: 'service', Value: 'ingest-transform' }],
          },
        ],
        [
          'dropped',
          {
            Namespace: 'IngestionPipeline',
            MetricName: 'RecordsDropped',
            Dimensions: [{ Name: 'service', Value: 'ingest-transform' }],
          },
        ],
      ]);
      expect(metrics.at(-1)).toMatchObject({
        ReturnData: true,
        Expression: '100 * FILL(failed, 0) / (FILL(ok, 0) + FILL(failed, 0) + FILL(dropped, 0))',
      });
      expect(properties).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: '5' });
    });
  });

  describe('device registry', () => {
    const roleOfTransform = () =>
      (valueAt(propertiesOf(template, 'TransformLambdaFunction'), 'Role') as { 'Fn::GetAtt': string[] })[
        'Fn::GetAtt'
      ][0];

    it('lets the transform role read only the registry object and write only its rejections in S3', () => {
      const statements = allowStatements(template).filter(({ owner }) => owner === roleOfTransform());
      const s3 = statements.filter(({ actions }) => actions.some((action) => action.startsWith('s3:')));
      expect(s3.map(({ actions, resources }) => ({ actions, resources }))).toEqual([
        {
          actions: ['s3:GetObject'],
          resources: [{ 'Fn::Sub': `\${IngestBucket.Arn}/${DEFAULT_REGISTRY_KEY}` }],
        },
        {
          actions: ['s3:PutObject'],
          resources: [{ 'Fn::Sub': `\${IngestBucket.Arn}/${TRANSFORM_QUARANTINE_PREFIX}*` }],
        },
      ]);
      // Apart from that, only its own logs.
      const others = statements
        .filter((statement) => !s3.includes(statement))
        .flatMap(({ actions }) => actions);
      expect(others.every((action) => action.startsWith('logs:'))).toBe(true);
    });

    it('passes the registry location and refresh interval to the transform', () => {
      expect(
        valueAt(propertiesOf(template, 'TransformLambdaFunction'), 'Environment.Variables'),
      ).toMatchObject({
        REGISTRY_BUCKET: { Ref: 'IngestBucket' },
        REGISTRY_KEY: DEFAULT_REGISTRY_KEY,
        REGISTRY_REFRESH_SECONDS: '300',
      });
    });

    it('catalogues the registry as the Glue table device_registry with exactly the registry columns', () => {
      const table = propertiesOf(template, 'RegistryTable');
      expect(table).toMatchObject({
        DatabaseName: { Ref: 'GlueDatabase' },
        TableInput: {
          Name: 'device_registry',
          TableType: 'EXTERNAL_TABLE',
          StorageDescriptor: {
            Location: { 'Fn::Sub': `s3://\${IngestBucket}/${REGISTRY_PREFIX}` },
            SerdeInfo: { SerializationLibrary: 'org.apache.hive.hcatalog.data.JsonSerDe' },
          },
        },
      });
      expect(valueAt(table, 'TableInput.StorageDescriptor.Columns')).toEqual(registryGlueColumns());
      expect(DEFAULT_REGISTRY_KEY.startsWith(REGISTRY_PREFIX)).toBe(true);
    });

    it('alarms when batches are transformed without the configured registry (the metric the handler emits)', () => {
      expect(propertiesOf(template, 'RegistryUnavailableAlarm')).toMatchObject({
        Namespace: 'IngestionPipeline',
        MetricName: 'RegistryUnavailable',
        Dimensions: [{ Name: 'service', Value: 'ingest-transform' }],
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
      });
    });

    it('keeps reference/ out of Firehose prefixes and the bucket lifecycle rules', () => {
      const destination = destinationOf(template) as Record<string, string>;
      for (const prefix of [destination.Prefix, destination.ErrorOutputPrefix])
        expect(REGISTRY_PREFIX.startsWith(String(prefix).split('/')[0]!)).toBe(false);
      const rules = valueAt(propertiesOf(template, 'IngestBucket'), 'LifecycleConfiguration.Rules') as {
        Prefix?: string;
      }[];
      for (const { Prefix } of rules)
        expect(Prefix !== undefined && REGISTRY_PREFIX.startsWith(Prefix)).toBe(false);
    });
  });

  describe('IoT topic rule', () => {
    it('exists only while iotRuleEnabled is true', () => {
      expect(resource(template, 'IotTopicRule').Condition).toBe('IotRuleEnabled');
      expect(resource(template, 'IotRuleRole').Condition).toBe('IotRuleEnabled');
      expect(deployed.Resources).toHaveProperty('IotTopicRule');
      expect(deployedAlternative.Resources).not.toHaveProperty('IotTopicRule');
      expect(deployedAlternative.Resources).not.toHaveProperty('IotRuleRole');
    });

    it('puts device messages into the hub partitioned by device id (second topic level)', () => {
      expect(valueAt(propertiesOf(template, 'IotTopicRule'), 'TopicRulePayload')).toMatchObject({
        Sql: "SELECT * FROM 'telemetry/+'",
        Actions: [
          {
            Kinesis: {
              StreamName: { Ref: 'HubStream' },
              PartitionKey: { 'Fn::Sub': '${!topic(2)}' },
              RoleArn: getAtt('IotRuleRole'),
            },
          },
        ],
      });
    });

    it('parks messages it fails to forward under errors/ in the bucket', () => {
      expect(valueAt(propertiesOf(template, 'IotTopicRule'), 'TopicRulePayload.ErrorAction')).toMatchObject({
        S3: {
          BucketName: { Ref: 'IngestBucket' },
          Key: { 'Fn::Sub': expect.stringMatching(new RegExp(`^${LAKE_PREFIX.errors}`)) },
          RoleArn: getAtt('IotRuleRole'),
        },
      });
    });
  });

  // The policy devices connect with (npm run device -- register attaches it to each certificate).
  // https://docs.aws.amazon.com/iot/latest/developerguide/thing-policy-variables.html
  // https://docs.aws.amazon.com/iot/latest/developerguide/connect-policy.html
  // https://docs.aws.amazon.com/iot/latest/developerguide/connect-and-pub.html
  describe('device policy', () => {
    const pseudo = { 'AWS::Partition': 'aws', 'AWS::Region': 'eu-west-1', 'AWS::AccountId': '123456789012' };
    const attached = { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } };

    it('exists, with its name as a stack output, only while iotRuleEnabled is true', () => {
      expect(resource(template, 'DevicePolicy')).toMatchObject({
        Type: 'AWS::IoT::Policy',
        Condition: 'IotRuleEnabled',
      });
      expect(template.Outputs?.DevicePolicyName).toEqual({
        Description: expect.any(String),
        Condition: 'IotRuleEnabled',
        Value: { Ref: 'DevicePolicy' },
      });
      expect(deployedAlternative.Resources).not.toHaveProperty('DevicePolicy');
      expect(deployedAlternative.Outputs).not.toHaveProperty('DevicePolicyName');
    });

    it('lets a thing with an attached certificate connect only as itself and publish only on <prefix>/<its name>', () => {
      // CloudFormation turns ${!x} into the literal ${x}: IoT Core, not osls or CloudFormation,
      // must be the one to fill in the thing name.
      expect(resolveSubs(propertiesOf(template, 'DevicePolicy').PolicyDocument, pseudo)).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'ConnectAsOwnThing',
            Effect: 'Allow',
            Action: 'iot:Connect',
            Resource: 'arn:aws:iot:eu-west-1:123456789012:client/${iot:Connection.Thing.ThingName}',
            Condition: attached,
          },
          {
            Sid: 'PublishOnOwnTopic',
            Effect: 'Allow',
            Action: 'iot:Publish',
            Resource: 'arn:aws:iot:eu-west-1:123456789012:topic/telemetry/${iot:Connection.Thing.ThingName}',
            Condition: attached,
          },
        ],
      });
    });
  });

  describe('least privilege', () => {
    it('grants no wildcard actions', () => {
      expect(wildcardActions(template)).toEqual([]);
      expect(wildcardActions(alternative.template)).toEqual([]);
    });

    it('grants nothing on Resource "*"', () => {
      const unscoped = allowStatements(template).filter(({ resources }) => resources.includes('*'));
      expect(unscoped.map(({ owner, sid }) => `${owner}/${sid ?? '?'}`)).toEqual([]);
    });

    it('scopes every Firehose role statement to resources of this stack', () => {
      const statements = allowStatements(template).filter(({ owner }) => owner === 'FirehoseRole');
      expect(statements.length).toBeGreaterThan(0);
      // glue:GetTable is authorised on the catalog as well as on the database and table.
      const accountCatalog = {
        'Fn::Sub': 'arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:catalog',
      };
      for (const { sid, resources } of statements) {
        for (const target of resources) {
          const scoped =
            referencedIds(target).length > 0 ||
            (sid === 'ReadTableSchema' && isEqual(target, accountCatalog));
          expect([sid, target, scoped]).toEqual([sid, target, true]);
        }
      }
      expect(statements.find(({ sid }) => sid === 'WriteLake')?.resources).toEqual([
        { 'Fn::Sub': `\${IngestBucket.Arn}/${LAKE_PREFIX.raw}*` },
        { 'Fn::Sub': `\${IngestBucket.Arn}/${LAKE_PREFIX.errors}*` },
      ]);
    });

    it('lets only this account assume the Firehose and IoT roles (confused deputy)', () => {
      expect(
        valueAt(propertiesOf(template, 'FirehoseRole'), 'AssumeRolePolicyDocument.Statement[0].Condition'),
      ).toEqual({
        StringEquals: { 'sts:ExternalId': { Ref: 'AWS::AccountId' } },
      });
      expect(
        valueAt(propertiesOf(template, 'IotRuleRole'), 'AssumeRolePolicyDocument.Statement[0].Condition'),
      ).toEqual({
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      });
    });
  });

  describe('Lambda functions', () => {
    const functions = () => resourcesOfType(template, 'AWS::Lambda::Function');

    it('run Node.js 22 on arm64', () => {
      expect(functions().length).toBeGreaterThan(0);
      for (const { logicalId, resource: fn } of functions()) {
        expect([logicalId, fn.Properties?.Runtime, fn.Properties?.Architectures]).toEqual([
          logicalId,
          'nodejs24.x',
          ['arm64'],
        ]);
      }
    });

    it('have names of at most 64 characters', () => {
      for (const { resource: fn } of functions()) {
        expect(String(fn.Properties?.FunctionName).length).toBeLessThanOrEqual(64);
      }
    });

    it('log to a log group with a retention', () => {
      const retentionByName = new Map(
        resourcesOfType(template, 'AWS::Logs::LogGroup').map(({ resource: group }) => [
          group.Properties?.LogGroupName,
          group.Properties?.RetentionInDays,
        ]),
      );
      for (const { resource: fn } of functions()) {
        const retention = retentionByName.get(`/aws/lambda/${String(fn.Properties?.FunctionName)}`);
        expect(Number(retention)).toBeGreaterThan(0);
      }
    });
  });

  it('outputs what other services receive as compose params, without CloudFormation exports', () => {
    const names = [
      'AlarmTopicArn',
      'HubStreamName',
      'HubStreamArn',
      'DeliveryStreamName',
      'IngestBucketName',
      'IngestBucketArn',
      'GlueDatabaseName',
      'GlueTableName',
      'RegistryTableName',
    ];
    expect(Object.keys(template.Outputs ?? {})).toEqual(expect.arrayContaining(names));
    for (const name of names) expect(template.Outputs?.[name]).not.toHaveProperty('Export');
  });

  describe('transform artifact', () => {
    it('holds only the handler bundle: no source map (see esbuildDefaults)', async () => {
      expect(packaged.artifacts.map((artifact) => path.basename(artifact))).toEqual(['transform.zip']);
      const entries = await readZip(packaged.artifacts[0]!);
      expect(entries.map(({ name }) => name)).toEqual(['src/handlers/transform.js']);
    });

    it('is bundled from the transform handler and carries no local-only engine', async () => {
      const entries = await readZip(packaged.artifacts[0]!);
      const bundle = entries
        .find(({ name }) => name === 'src/handlers/transform.js')!
        .read()
        .toString('utf8');
      // keepNames keeps the handler factory's name in the minified bundle.
      expect(bundle).toContain('createTransformHandler');
      expect(bundle).not.toMatch(/@duckdb|@electric-sql/);
    });
  });

  describe('template validity', () => {
    it('matches the CloudFormation resource specifications, with default params', async () => {
      expect(await validateResourceProperties(template)).toEqual([]);
    });

    it('matches the CloudFormation resource specifications, with every switch flipped', async () => {
      expect(await validateResourceProperties(alternative.template)).toEqual([]);
    });

    it('references only resources, attributes and conditions that exist', async () => {
      expect(await validateReferences(template)).toEqual([]);
      expect(await validateReferences(alternative.template)).toEqual([]);
    });
  });

  describe('values published for the services deployed on their own', () => {
    it('writes the ingest bucket name and ARN under /pipeline/<stage>/ as free String parameters', () => {
      expect(propertiesOf(deployed, 'IngestBucketNameParameter')).toMatchObject({
        Name: '/pipeline/test/ingest-bucket-name',
        Type: 'String',
        Tier: 'Standard',
        Value: { Ref: 'IngestBucket' },
      });
      expect(propertiesOf(deployed, 'IngestBucketArnParameter')).toMatchObject({
        Name: '/pipeline/test/ingest-bucket-arn',
        Type: 'String',
        Tier: 'Standard',
        Value: { 'Fn::GetAtt': ['IngestBucket', 'Arn'] },
      });
    });

    it("writes the stage's alarm topic ARN: the topic it creates, or the one alarmTopicArn names", () => {
      expect(propertiesOf(deployed, 'AlarmTopicArnParameter')).toMatchObject({
        Name: '/pipeline/test/alarm-topic-arn',
        Type: 'String',
        Tier: 'Standard',
        Value: { Ref: 'AlarmTopic' },
      });
      // The value compose passes as the others' alarmTopicArn (the AlarmTopicArn output).
      expect(propertiesOf(template, 'AlarmTopicArnParameter').Value).toEqual(
        template.Outputs?.AlarmTopicArn?.Value,
      );
    });

    it('grants no function any ssm: action: CloudFormation resolves them with the deployer', () => {
      expect(ssmGrants(template)).toEqual([]);
    });
  });
});
