import { rm } from 'node:fs/promises';
import path from 'node:path';
import {
  alarmActionsOf,
  allowStatements,
  dynamicReferenceProblems,
  loadResourceSpec,
  packageService,
  propertiesOf,
  publishedStageParameters,
  readZip,
  resolveConditions,
  resourcesOfType,
  validateReferences,
  validateResourceProperties,
  wildcardActions,
  type CfnTemplate,
  type PackagedService,
} from '@pipeline/shared/testing';
import {
  QUARANTINE_COLUMNS,
  QUARANTINE_TABLES,
  QUARANTINE_VIEW,
  quarantineTable,
  quarantineViewSelect,
} from '@pipeline/shared';
import { evaluate } from './support/intrinsics';

const SERVICE_DIR = path.resolve(__dirname, '..');
const STAGE = 'test';
const ALARM_TOPIC = 'arn:aws:sns:us-east-1:123456789012:ingest-transform-test-alarms';

const CLUSTER_ARN =
  'arn:aws:kafka:us-east-1:123456789012:cluster/telemetry-cluster/5c9a3b2e-1f4d-4a8b-9c7e-2d6f0e1a3b5c-3';
const HUB_ARN = 'arn:aws:kinesis:us-east-1:123456789012:stream/ingest-transform-test-telemetry';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:AmazonMSK_telemetry-consumer-AbCdEf';

// What compose and a team with a cluster pass: every switch away from its default.
const WITH_CLUSTER = {
  hubStreamName: 'ingest-transform-test-telemetry',
  hubStreamArn: HUB_ARN,
  mskClusterArn: CLUSTER_ARN,
  mskTopic: 'plant-telemetry',
  mskConsumerGroupId: 'pipeline-consumer',
  mskBatchSize: '1000',
  mskBatchingWindowSeconds: '5',
  mskStartingPosition: 'LATEST',
  mskPollerMode: 'PROVISIONED',
  mskMinimumPollers: '1',
  mskMaximumPollers: '4',
  mskMaximumRetryAttempts: '20',
  vpcSubnetIds: 'subnet-0a1b2c3d4e5f60718,subnet-0f1e2d3c4b5a69788',
  vpcSecurityGroupIds: 'sg-0123456789abcdef0',
  glueDatabaseName: 'lake_test',
  quarantineRetentionDays: '90',
  alarmTopicArn: ALARM_TOPIC,
};
const WITH_SCRAM = { mskClusterArn: CLUSTER_ARN, mskSaslScramSecretArn: SECRET_ARN, alarmTopicArn: 'none' };

const MAPPING = 'ConsumerEventSourceMappingMSKClusterTopic';

let packaged: PackagedService[] = [];
let noCluster: CfnTemplate;
let withCluster: CfnTemplate;
let withScram: CfnTemplate;

beforeAll(async () => {
  const [defaults] = await Promise.all([packageService(SERVICE_DIR, { stage: STAGE }), loadResourceSpec()]);
  const cluster = await packageService(SERVICE_DIR, { stage: STAGE, params: WITH_CLUSTER });
  const scram = await packageService(SERVICE_DIR, { stage: STAGE, params: WITH_SCRAM });
  packaged = [defaults, cluster, scram];
  [noCluster, withCluster, withScram] = packaged.map(({ template }) => template) as [
    CfnTemplate,
    CfnTemplate,
    CfnTemplate,
  ];
}, 240_000);

afterAll(() => Promise.all(packaged.map(({ dir }) => rm(dir, { recursive: true, force: true }))));

/** The template as CloudFormation deploys it to a stage whose producers are deployed. */
const deployed = (template: CfnTemplate): CfnTemplate =>
  evaluate(resolveConditions(template, publishedStageParameters(STAGE))) as CfnTemplate;

const grants = (template: CfnTemplate): Record<string, { actions: string[]; resources: unknown[] }> =>
  Object.fromEntries(
    allowStatements(deployed(template))
      .filter(({ owner }) => owner === 'ConsumerRole')
      .map(({ sid, actions, resources }) => [sid, { actions, resources }]),
  );

describe('the packaged stack', () => {
  it('conforms to the CloudFormation resource specifications and references only what exists', async () => {
    for (const template of [noCluster, withCluster, withScram]) {
      expect(await validateResourceProperties(template)).toEqual([]);
      expect(
        await validateResourceProperties(resolveConditions(template, publishedStageParameters(STAGE))),
      ).toEqual([]);
      expect(await validateReferences(template)).toEqual([]);
    }
  });

  it('never lets the event stand-ins osls needs for naming reach the template', () => {
    for (const template of [noCluster, withCluster, withScram]) {
      expect(JSON.stringify(template)).not.toMatch(/stand-in|000000000000/);
    }
  });

  it('grants no wildcard action', () => {
    for (const template of [noCluster, withCluster, withScram]) expect(wildcardActions(template)).toEqual([]);
  });

  it('bundles the handler into its own zip', async () => {
    const [zip] = packaged[0]!.artifacts;
    const names = (await readZip(zip!)).map(({ name }) => name);
    expect(names).toContain('src/handlers/consumer.js');
    expect(names.some((name) => /duckdb|pglite/i.test(name))).toBe(false);
  });
});

describe('alarm notifications', () => {
  const notifying = { AlarmActions: [{ Ref: 'AlarmTopicArn' }], OKActions: [{ Ref: 'AlarmTopicArn' }] };

  it("deployed alone, notify the stage's alarm topic, read from Parameter Store through an SSM-typed template parameter", () => {
    // A dynamic reference cannot sit in Conditions, where "is there a topic" is decided.
    expect(noCluster.Parameters?.AlarmTopicArn).toMatchObject({
      Type: 'AWS::SSM::Parameter::Value<String>',
      Default: '/pipeline/test/alarm-topic-arn',
    });
    const actions = Object.values(
      alarmActionsOf(resolveConditions(noCluster, publishedStageParameters(STAGE))),
    );
    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) expect(action).toEqual(notifying);
    expect(dynamicReferenceProblems(noCluster, STAGE)).toEqual([]);
  });

  it('keep an explicit alarmTopicArn: a topic ARN is notified, none notifies no one', () => {
    expect(withCluster.Parameters?.AlarmTopicArn).toMatchObject({ Type: 'String', Default: ALARM_TOPIC });
    for (const action of Object.values(alarmActionsOf(resolveConditions(withCluster)))) {
      expect(action).toEqual(notifying);
    }
    expect(withScram.Parameters?.AlarmTopicArn).toMatchObject({ Type: 'String', Default: 'none' });
    const silent = Object.values(alarmActionsOf(resolveConditions(withScram)));
    expect(silent.length).toBeGreaterThan(0);
    expect(silent.filter((action) => Object.keys(action).length > 0)).toEqual([]);
  });
});

describe('without a cluster (the default)', () => {
  it('still packages, with no event source mapping and no cluster permission, so the stack deploys first', () => {
    const stack = deployed(noCluster);

    expect(resourcesOfType(stack, 'AWS::Lambda::EventSourceMapping')).toEqual([]);
    expect(Object.keys(grants(noCluster))).toEqual([
      'WriteLogs',
      'ForwardToHub',
      'Quarantine',
      'ReportFailedBatches',
    ]);
    // The quarantine's Glue table and view name Kafka as a source; nothing else may.
    const others = Object.values(stack.Resources ?? {}).filter(({ Type }) => Type !== 'AWS::Glue::Table');
    expect(JSON.stringify(others)).not.toMatch(/kafka|ec2:/);
    expect(propertiesOf(stack, 'ConsumerLambdaFunction')).not.toHaveProperty('VpcConfig');
  });

  it('writes only to the hub named by convention in its own account and region', () => {
    expect(grants(noCluster).ForwardToHub).toEqual({
      actions: ['kinesis:PutRecords'],
      resources: ['arn:aws:kinesis:us-east-1:123456789012:stream/ingest-transform-test-telemetry'],
    });
    expect(propertiesOf(noCluster, 'ConsumerLambdaFunction')).toMatchObject({
      Role: { 'Fn::GetAtt': ['ConsumerRole', 'Arn'] },
      Environment: {
        Variables: expect.objectContaining({ HUB_STREAM_NAME: 'ingest-transform-test-telemetry', STAGE }),
      },
    });
  });

  it('creates the encrypted on-failure queue and the private quarantine bucket anyway', () => {
    expect(propertiesOf(noCluster, 'OnFailureQueue')).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1209600,
    });
    expect(propertiesOf(noCluster, 'QuarantineBucket')).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          expect.objectContaining({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }),
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: {
        Rules: expect.arrayContaining([
          expect.objectContaining({ Prefix: 'errors/msk/', ExpirationInDays: '30' }),
        ]),
      },
    });
    expect(grants(noCluster).Quarantine).toEqual({
      actions: ['s3:PutObject'],
      resources: ['<QuarantineBucket.Arn>/errors/msk/*'],
    }); // report-runner reads it for the quarantine report: compose passes this output.
    expect(noCluster.Outputs?.QuarantineBucketArn?.Value).toEqual({
      'Fn::GetAtt': ['QuarantineBucket', 'Arn'],
    });
  });
});

// The quarantine by SQL (shared/src/contracts/quarantine.ts): the Kafka table and the view over
// every source's table, in the lake's Glue database.
describe('the quarantine', () => {
  it('catalogues the Kafka quarantine with hour partitions over errors/msk/, in the lake database', () => {
    const table = quarantineTable('kafka');
    const properties = propertiesOf(withCluster, 'QuarantineKafkaTable');
    expect(properties).toMatchObject({
      DatabaseName: 'lake_test',
      TableInput: {
        Name: table.name,
        Parameters: {
          'projection.enabled': 'true',
          'projection.dt.type': 'date',
          'projection.hour.type': 'integer',
          'storage.location.template': {
            'Fn::Sub': `s3://\${QuarantineBucket}/${table.prefix}dt=\${!dt}/hour=\${!hour}/`,
          },
        },
      },
    });
    expect(propertiesOf(noCluster, 'QuarantineKafkaTable').DatabaseName).toBe(`pipeline_${STAGE}`);
  });

  it('defines the view quarantine as Athena stores a view: the union of every source table', () => {
    const input = propertiesOf(deployed(withCluster), 'QuarantineView').TableInput as Record<string, unknown>;
    expect(input).toMatchObject({
      Name: QUARANTINE_VIEW,
      TableType: 'VIRTUAL_VIEW',
      Parameters: { presto_view: 'true' },
      ViewExpandedText: '/* Presto View */',
    });
    const text = String(input.ViewOriginalText);
    const match = /^\/\* Presto View: (.+) \*\/$/.exec(text);
    const definition = JSON.parse(Buffer.from(match?.[1] ?? '', 'base64').toString('utf8'));
    expect(definition).toMatchObject({
      originalSql: quarantineViewSelect(),
      catalog: 'awsdatacatalog',
      schema: 'lake_test',
    });
    expect(definition.columns.map(({ name }: { name: string }) => name)).toEqual(
      QUARANTINE_COLUMNS.map(({ name }) => name),
    );
    for (const { name } of QUARANTINE_TABLES) expect(definition.originalSql).toContain(`"${name}"`);
  });

  it('expires quarantined records after quarantineRetentionDays', () => {
    expect(valueAtRules(withCluster)).toContainEqual(
      expect.objectContaining({ Prefix: 'errors/msk/', ExpirationInDays: '90' }),
    );
  });

  it('refuses a Glue database name Athena cannot query, at package time', async () => {
    await expect(
      packageService(SERVICE_DIR, { stage: STAGE, params: { glueDatabaseName: 'Lake-Test' } }),
    ).rejects.toThrow(/glueDatabaseName/);
  }, 120_000);
});

const valueAtRules = (template: CfnTemplate): unknown[] =>
  (propertiesOf(template, 'QuarantineBucket').LifecycleConfiguration as { Rules: unknown[] }).Rules;

describe('with a cluster', () => {
  it('maps the topic with the configured batch size, batching window, starting position and consumer group', () => {
    const [mapping, ...others] = resourcesOfType(deployed(withCluster), 'AWS::Lambda::EventSourceMapping');

    expect(others).toEqual([]);
    expect(mapping?.logicalId).toBe(MAPPING);
    expect(mapping?.resource.Properties).toMatchObject({
      EventSourceArn: CLUSTER_ARN,
      FunctionName: '<ConsumerLambdaFunction.Arn>',
      Topics: ['plant-telemetry'],
      BatchSize: 1000,
      MaximumBatchingWindowInSeconds: 5,
      StartingPosition: 'LATEST',
      AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'pipeline-consumer' },
      Enabled: true,
      ProvisionedPollerConfig: { MinimumPollers: '1', MaximumPollers: '4' },
      MaximumRetryAttempts: '20',
    });
    expect(mapping?.resource.Properties).not.toHaveProperty('SourceAccessConfigurations');
  });

  it('sends failed batches to the on-failure queue, which the role may write to', () => {
    expect(propertiesOf(withCluster, MAPPING).DestinationConfig).toEqual({
      OnFailure: { Destination: { 'Fn::GetAtt': ['OnFailureQueue', 'Arn'] } },
    });
    expect(grants(withCluster).ReportFailedBatches).toEqual({
      actions: ['sqs:SendMessage'],
      resources: ['<OnFailureQueue.Arn>'],
    });
  });

  it('scopes cluster access to the cluster, the topic and the consumer group (IAM access control)', () => {
    const granted = grants(withCluster);
    const kafkaArn = (kind: string, name: string) =>
      `arn:aws:kafka:us-east-1:123456789012:${kind}/telemetry-cluster/5c9a3b2e-1f4d-4a8b-9c7e-2d6f0e1a3b5c-3/${name}`;

    expect(granted.LocateCluster).toEqual({
      actions: ['kafka:DescribeClusterV2', 'kafka:GetBootstrapBrokers'],
      resources: [CLUSTER_ARN],
    });
    expect(granted.ConnectToCluster).toEqual({
      actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeClusterDynamicConfiguration'],
      resources: [CLUSTER_ARN],
    });
    expect(granted.ReadTopic).toEqual({
      actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
      resources: [kafkaArn('topic', 'plant-telemetry')],
    });
    expect(granted.CommitOffsets).toEqual({
      actions: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
      resources: [kafkaArn('group', 'pipeline-consumer')],
    });
    expect(granted.ForwardToHub).toEqual({ actions: ['kinesis:PutRecords'], resources: [HUB_ARN] });
    expect(granted).not.toHaveProperty('ReadScramSecret');
  });

  it('only grants network-interface management where EC2 allows no narrower resource', () => {
    const broad = allowStatements(deployed(withCluster)).filter(({ resources }) => resources.includes('*'));

    expect(broad.map(({ sid }) => sid).sort()).toEqual([
      'ClusterNetworkInterfaces',
      'FunctionNetworkInterfaces',
    ]);
    expect(broad.flatMap(({ actions }) => actions).every((action) => action.startsWith('ec2:'))).toBe(true);
  });

  it('puts the function in the VPC when subnets and security groups are given', () => {
    expect(propertiesOf(deployed(withCluster), 'ConsumerLambdaFunction').VpcConfig).toEqual({
      SubnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-0f1e2d3c4b5a69788'],
      SecurityGroupIds: ['sg-0123456789abcdef0'],
    });
    expect(propertiesOf(deployed(withScram), 'ConsumerLambdaFunction')).not.toHaveProperty('VpcConfig');
  });
});

describe('with SASL/SCRAM instead of IAM access control', () => {
  it('authenticates the mapping with the secret, which the role may read and decrypt through Secrets Manager only', () => {
    const stack = deployed(withScram);
    const granted = grants(withScram);

    expect(propertiesOf(stack, MAPPING).SourceAccessConfigurations).toEqual([
      { Type: 'SASL_SCRAM_512_AUTH', URI: SECRET_ARN },
    ]);
    expect(propertiesOf(stack, MAPPING)).not.toHaveProperty('ProvisionedPollerConfig');
    expect(granted.ReadScramSecret).toEqual({
      actions: ['secretsmanager:GetSecretValue'],
      resources: [SECRET_ARN],
    });
    expect(
      allowStatements(stack).find(({ sid }) => sid === 'DecryptScramSecret')?.statement.Condition,
    ).toEqual({
      StringEquals: {
        'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com',
        'kms:EncryptionContext:SecretARN': SECRET_ARN,
      },
    });
    expect(Object.keys(granted)).not.toEqual(
      expect.arrayContaining(['ConnectToCluster', 'ReadTopic', 'CommitOffsets']),
    );
  });
});
