import { rm } from 'node:fs/promises';
import path from 'node:path';
import {
  allowStatements,
  auditSecrets,
  alarmActionsOf,
  dynamicReferenceProblems,
  publishedStageParameters,
  ssmGrants,
  loadResourceSpec,
  packageService,
  propertiesOf,
  readZip,
  resolveConditions,
  resourcesOfType,
  validateReferences,
  validateResourceProperties,
  wildcardActions,
} from '@pipeline/shared/testing';
import type { CfnTemplate, PackagedService } from '@pipeline/shared/testing';
import { ALERT_TABLE, WINDOW_PART_TABLE, WINDOW_VIEW_NAME } from '../src/domain/realtime-tables';
import { ALARM_TOPIC, ALTERNATIVE_PARAMS, HUB, WAREHOUSE_URL_SECRET } from './packagings';

const SERVICE_DIR = path.resolve(__dirname, '..');
const STAGE = 'test';

const WORKGROUP_ARN =
  'arn:aws:redshift-serverless:eu-west-1:123456789012:workgroup/0f0e0d0c-1b2a-4c3d-8e9f-a0b1c2d3e4f5';
const REDSHIFT_PARAMS = {
  warehouse: 'redshift-serverless',
  redshiftWorkgroupName: 'pipeline',
  redshiftWorkgroupArn: WORKGROUP_ARN,
  alarmTopicArn: 'none',
};
// The default hub: ingest-transform's stream of the same stage, in the stack's account and region.
const DEFAULT_HUB = {
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':kinesis:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      ':stream/ingest-transform-test-telemetry',
    ],
  ],
};

/** The parts of a Glue `TableInput` the tests read. */
interface GlueTableInput {
  Name: string;
  TableType: string;
  Parameters: Record<string, unknown>;
  PartitionKeys: { Name: string }[];
  StorageDescriptor: { Columns: { Name: string; Type: string }[] };
  ViewOriginalText: { 'Fn::Join': [string, [string, { 'Fn::Base64': string }, string]] };
}

let packaged: PackagedService;
let alternative: PackagedService;
let redshift: PackagedService;
let template: CfnTemplate;
let deployed: CfnTemplate;
let deployedAlternative: CfnTemplate;

beforeAll(async () => {
  [packaged] = await Promise.all([packageService(SERVICE_DIR, { stage: STAGE }), loadResourceSpec()]);
  alternative = await packageService(SERVICE_DIR, { stage: STAGE, params: ALTERNATIVE_PARAMS });
  redshift = await packageService(SERVICE_DIR, { stage: STAGE, params: REDSHIFT_PARAMS });
  template = packaged.template;
  deployed = resolveConditions(template, publishedStageParameters(STAGE));
  deployedAlternative = resolveConditions(alternative.template);
}, 180_000);

afterAll(async () => {
  await Promise.all(
    [packaged, alternative, redshift].map(
      (result) => result && rm(result.dir, { recursive: true, force: true }),
    ),
  );
});

const mapping = (compiled: CfnTemplate) => {
  const mappings = resourcesOfType(compiled, 'AWS::Lambda::EventSourceMapping');
  expect(mappings).toHaveLength(1);
  return mappings[0]!.resource.Properties!;
};
const statementsWith = (compiled: CfnTemplate, action: string) =>
  allowStatements(compiled).filter(({ actions }) => actions.includes(action));
const sinkFunction = (compiled: CfnTemplate) => propertiesOf(compiled, 'SinkLambdaFunction');
const sinkVariables = (compiled: CfnTemplate) =>
  (sinkFunction(compiled).Environment as { Variables: Record<string, unknown> }).Variables;

describe('analytics-sink infrastructure', () => {
  describe('hub consumer', () => {
    it('reads the hub through its own enhanced fan-out consumer', () => {
      expect(mapping(template).EventSourceArn).toEqual({ Ref: 'HubConsumer' });
      expect(propertiesOf(alternative.template, 'HubConsumer')).toEqual({
        StreamARN: HUB,
        ConsumerName: 'analytics-sink-test-sink',
      });
    });

    it('aggregates in tumbling windows of the configured length (default 60 s)', () => {
      expect(mapping(template).TumblingWindowInSeconds).toBe(60);
      expect(mapping(alternative.template).TumblingWindowInSeconds).toBe(300);
    });

    it('gathers records for up to 5 s, 2000 at most, so the window state makes fewer round trips', () => {
      expect(mapping(template)).toMatchObject({ BatchSize: 2000, MaximumBatchingWindowInSeconds: 5 });
      expect(mapping(alternative.template)).toMatchObject({
        BatchSize: 1000,
        MaximumBatchingWindowInSeconds: 0,
      });
    });

    it('reports partial batch responses, bisects failing batches and parks exhausted ones in an encrypted queue', () => {
      expect(mapping(template)).toMatchObject({
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BisectBatchOnFunctionError: true,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['SinkFailureQueue', 'Arn'] } } },
      });
      expect(propertiesOf(template, 'SinkFailureQueue')).toMatchObject({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 1209600,
      });
    });

    it('bounds retries and record age, so a poisoned window cannot block a shard for the stream retention', () => {
      for (const [compiled, attempts, age] of [
        [template, 20, 3600],
        [alternative.template, 5, 7200],
      ] as const) {
        expect(mapping(compiled)).toMatchObject({
          MaximumRetryAttempts: attempts,
          MaximumRecordAgeInSeconds: age,
        });
      }
    });

    it('takes batch size and parallelization factor from params', () => {
      expect(mapping(template)).toMatchObject({
        BatchSize: 2000,
        ParallelizationFactor: 1,
        StartingPosition: 'LATEST',
      });
      expect(mapping(alternative.template)).toMatchObject({ BatchSize: 1000, ParallelizationFactor: 4 });
    });
  });

  describe('alerts topic', () => {
    it('is encrypted and refuses publishing without TLS', () => {
      expect(propertiesOf(template, 'AlertTopic')).toMatchObject({
        KmsMasterKeyId: 'alias/aws/sns',
        TopicName: 'analytics-sink-test-alerts',
      });
      expect(propertiesOf(template, 'AlertTopicPolicy').PolicyDocument).toMatchObject({
        Statement: [
          { Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
        ],
      });
    });

    it('is where the function sends alerts, with the configured rules', () => {
      expect(sinkFunction(template)).toMatchObject({
        Environment: {
          Variables: { ALERT_TARGET: { Ref: 'AlertTopic' }, ALERT_RULES: 'temperature>80,battery<15' },
        },
      });
      expect(sinkFunction(alternative.template)).toMatchObject({
        Environment: { Variables: { ALERT_RULES: 'humidity>95' } },
      });
    });
  });

  describe('least privilege', () => {
    it('gives the function its own role and no generated shared role', () => {
      expect(sinkFunction(template).Role).toEqual({ 'Fn::GetAtt': ['SinkRole', 'Arn'] });
      expect(resourcesOfType(template, 'AWS::IAM::Role').map(({ logicalId }) => logicalId)).toEqual([
        'SinkRole',
      ]);
    });

    it('grants no wildcard action', () => {
      expect(wildcardActions(template)).toEqual([]);
      expect(wildcardActions(alternative.template)).toEqual([]);
    });

    it('scopes every grant to the consumer, the hub, the topic, the queue, its log group and the real-time prefix', () => {
      const scopes = Object.fromEntries(
        allowStatements(deployed).map(({ sid, resources }) => [sid, resources]),
      );
      expect(scopes).toEqual({
        WriteOwnLogs: [{ 'Fn::GetAtt': ['SinkLogGroup', 'Arn'] }],
        ReadHub: [DEFAULT_HUB],
        SubscribeAsConsumer: [{ Ref: 'HubConsumer' }],
        ParkFailedBatches: [{ 'Fn::GetAtt': ['SinkFailureQueue', 'Arn'] }],
        PublishAlerts: [{ Ref: 'AlertTopic' }],
        // Deployed alone: ingest-transform's bucket, from the stage's Parameter Store at deploy time.
        ReadDeviceRegistry: [
          '{{resolve:ssm:/pipeline/test/ingest-bucket-arn}}/reference/devices/registry.jsonl',
        ],
        WriteRealtimeTables: [{ 'Fn::Sub': '${RealtimeBucket.Arn}/realtime/*' }],
        ReadAlertRecords: [{ 'Fn::Sub': '${RealtimeBucket.Arn}/realtime/realtime_alert/*' }],
        ListAlertRecords: [{ 'Fn::GetAtt': ['RealtimeBucket', 'Arn'] }],
      });
      expect(
        allowStatements(deployed).find(({ sid }) => sid === 'ListAlertRecords')!.statement.Condition,
      ).toEqual({ StringLike: { 's3:prefix': ['realtime/realtime_alert/*'] } });
      expect(statementsWith(deployed, 'kinesis:SubscribeToShard')).toHaveLength(1);
      expect(statementsWith(deployed, 'sns:Publish')).toHaveLength(1);
    });

    it('with warehouse=redshift-serverless, runs statements on that workgroup only and writes no bucket', () => {
      const scopes = Object.fromEntries(
        allowStatements(resolveConditions(redshift.template)).map(({ sid, resources }) => [sid, resources]),
      );
      expect(scopes).toMatchObject({
        RunWarehouseStatements: [WORKGROUP_ARN],
        WarehouseCredentials: [WORKGROUP_ARN],
        FollowOwnStatements: ['*'],
      });
      expect(Object.keys(scopes).filter((sid) => /Realtime|AlertRecords/.test(sid))).toEqual([]);
      expect(sinkVariables(redshift.template)).toMatchObject({
        WAREHOUSE: 'redshift-serverless',
        REDSHIFT_WORKGROUP: 'pipeline',
      });
    });

    it('limits the Data API calls without a resource type to statements the role started', () => {
      for (const { resources, statement } of allowStatements(resolveConditions(redshift.template)).filter(
        ({ resources }) => resources.includes('*'),
      )) {
        expect(statement.Condition).toEqual({
          StringEquals: { 'redshift-data:statement-owner-iam-userid': { 'Fn::Sub': '${!aws:userid}' } },
        });
        expect(resources).toEqual(['*']);
      }
    });

    it('grants no Redshift access when the warehouse is Postgres', () => {
      const actions = allowStatements(deployedAlternative).flatMap(({ actions }) => actions);
      expect(actions.filter((action) => action.startsWith('redshift'))).toEqual([]);
      expect(allowStatements(deployedAlternative).find(({ sid }) => sid === 'ReadHub')!.resources).toEqual([
        HUB,
      ]);
    });
  });

  describe('device registry', () => {
    it('tells the function where the registry is and how often to re-check it (defaults and params)', () => {
      expect(sinkVariables(template)).toMatchObject({
        REGISTRY_BUCKET: '{{resolve:ssm:/pipeline/test/ingest-bucket-name}}',
        REGISTRY_KEY: 'reference/devices/registry.jsonl',
        REGISTRY_REFRESH_SECONDS: '300',
      });
      expect(sinkVariables(alternative.template)).toMatchObject({
        REGISTRY_BUCKET: ALTERNATIVE_PARAMS.ingestBucketName,
        REGISTRY_KEY: 'reference/devices/fleet.csv',
        REGISTRY_REFRESH_SECONDS: '60',
      });
    });

    it('may read exactly the registry object of the ingest bucket, and nothing else of it', () => {
      const s3 = allowStatements(deployedAlternative).filter(({ actions }) =>
        actions.some((action) => action.startsWith('s3:')),
      );
      expect(
        s3.map(({ sid, actions, resources, statement }) => ({ sid, actions, resources, statement })),
      ).toEqual([
        {
          sid: 'ReadDeviceRegistry',
          actions: ['s3:GetObject'],
          resources: [`${ALTERNATIVE_PARAMS.ingestBucketArn}/reference/devices/fleet.csv`],
          statement: expect.not.objectContaining({ Condition: expect.anything() }),
        },
      ]);
    });
  });

  describe('warehouse URL secret', () => {
    const secretGrants = (compiled: CfnTemplate) =>
      allowStatements(compiled).filter(({ actions }) =>
        actions.some((action) => action.startsWith('secretsmanager:')),
      );

    it('grants no Secrets Manager access without warehouseUrlSecretArn', () => {
      expect(secretGrants(deployed)).toEqual([]);
      expect(sinkFunction(template)).toMatchObject({
        Environment: { Variables: { WAREHOUSE_URL_SECRET_ARN: 'none' } },
      });
    });

    it('with warehouse=postgres and the param, reads that one secret only, and tells the function its ARN', () => {
      expect(
        secretGrants(deployedAlternative).map(({ sid, actions, resources, statement }) => ({
          sid,
          actions,
          resources,
          condition: statement.Condition,
        })),
      ).toEqual([
        {
          sid: 'ReadWarehouseUrlSecret',
          actions: ['secretsmanager:GetSecretValue'],
          resources: [WAREHOUSE_URL_SECRET],
          condition: undefined,
        },
      ]);
      expect(sinkFunction(alternative.template)).toMatchObject({
        Environment: { Variables: { WAREHOUSE: 'postgres', WAREHOUSE_URL_SECRET_ARN: WAREHOUSE_URL_SECRET } },
      });
    });

    it('puts no credential in plain configuration, with or without the secret', () => {
      expect(auditSecrets(deployed)).toEqual([]);
      expect(auditSecrets(deployedAlternative)).toEqual([]);
    });
  });

  describe('function', () => {
    it('runs on nodejs24.x arm64 with the sink handler and its configuration', () => {
      expect(sinkFunction(template)).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'src/handlers/sink.handler',
        Timeout: 120,
        Environment: {
          Variables: {
            MAX_STATE_BYTES: '800000',
            DEDUP_CAPACITY: '40000',
            WAREHOUSE: 'none',
            REDSHIFT_WORKGROUP: 'none',
            REDSHIFT_DATABASE: 'dev',
          },
        },
      });
    });

    it('holds only the handler bundle (no source map), without local-only engines', async () => {
      expect(packaged.artifacts.map((artifact) => path.basename(artifact))).toEqual(['sink.zip']);
      const entries = await readZip(packaged.artifacts[0]!);
      expect(entries.map(({ name }) => name)).toEqual(['src/handlers/sink.js']);
      const bundle = entries[0]!.read().toString('utf8');
      expect(bundle).toContain('createSinkHandler');
      expect(bundle).not.toMatch(/@duckdb|@electric-sql|pglite/);
    });
  });

  describe('real-time tables without a warehouse (the default)', () => {
    it('tells the function to write its own bucket', () => {
      expect(sinkVariables(template)).toMatchObject({
        WAREHOUSE: 'none',
        REALTIME_BUCKET: { Ref: 'RealtimeBucket' },
      });
    });

    it('keeps them in a private, encrypted, TLS-only bucket', () => {
      const bucket = propertiesOf(template, 'RealtimeBucket');
      expect(bucket.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(JSON.stringify(bucket.BucketEncryption)).toContain('AES256');
      expect(propertiesOf(template, 'RealtimeBucketPolicy').Bucket).toEqual({ Ref: 'RealtimeBucket' });
    });

    it('declares Glue tables named and typed as the warehouse tables, with partition projection on dt and hour', () => {
      for (const [logicalId, table] of [
        ['RealtimeWindowPartTable', WINDOW_PART_TABLE],
        ['RealtimeAlertTable', ALERT_TABLE],
      ] as const) {
        const { DatabaseName, TableInput } = propertiesOf(template, logicalId) as {
          DatabaseName: string;
          TableInput: GlueTableInput;
        };
        expect(DatabaseName).toBe('pipeline_test');
        expect(TableInput.Name).toBe(table.name);
        expect(TableInput.StorageDescriptor.Columns).toEqual(
          table.columns.map(({ name, type }) => ({ Name: name, Type: type })),
        );
        expect(TableInput.PartitionKeys.map(({ Name }: { Name: string }) => Name)).toEqual(['dt', 'hour']);
        expect(TableInput.Parameters).toMatchObject({
          'projection.enabled': 'true',
          'storage.location.template': {
            'Fn::Sub': `s3://\${RealtimeBucket}/realtime/${table.name}/dt=\${!dt}/hour=\${!hour}/`,
          },
        });
      }
    });

    it('declares the merged-window view as Athena stores a view, over the part table of its database', () => {
      const { TableInput } = propertiesOf(template, 'RealtimeWindowView') as {
        TableInput: GlueTableInput;
      };
      expect(TableInput).toMatchObject({ Name: WINDOW_VIEW_NAME, TableType: 'VIRTUAL_VIEW' });
      const [, [prefix, encoded, suffix]] = TableInput.ViewOriginalText['Fn::Join'];
      expect([prefix, suffix]).toEqual(['/* Presto View: ', ' */']);
      const view = JSON.parse(encoded['Fn::Base64']);
      expect(view).toMatchObject({ catalog: 'awsdatacatalog', schema: 'pipeline_test' });
      expect(view.originalSql).toContain(`FROM ${WINDOW_PART_TABLE.name}`);
      expect(view.columns.map(({ name }: { name: string }) => name)).toEqual(
        TableInput.StorageDescriptor.Columns.map(({ Name }: { Name: string }) => Name),
      );
    });

    it('names the bucket, the Glue database and the tables in its outputs (the smoke test reads them)', () => {
      expect(template.Outputs).toMatchObject({
        RealtimeBucketName: { Value: { Ref: 'RealtimeBucket' } },
        RealtimeGlueDatabaseName: { Value: 'pipeline_test' },
        RealtimeWindowTableName: { Value: 'realtime_device_window_part' },
        RealtimeWindowViewName: { Value: 'realtime_device_window' },
        RealtimeAlertTableName: { Value: 'realtime_alert' },
      });
    });

    it('holds no placeholder account and no unset value inside an ARN, in any configuration', () => {
      for (const compiled of [template, alternative.template, redshift.template]) {
        const text = JSON.stringify(compiled);
        expect(text).not.toContain('000000000000');
        expect(text).not.toContain('placeholder');
        expect(text.match(/arn:[^"]*(?::|\/)none(?:[:/"]|$)/g) ?? []).toEqual([]);
      }
    });
  });

  describe('template', () => {
    it('matches the CloudFormation resource specifications, with default and alternative params', async () => {
      expect(await validateResourceProperties(template)).toEqual([]);
      expect(await validateResourceProperties(alternative.template)).toEqual([]);
    });

    it('references only resources, attributes and conditions that exist', async () => {
      expect(await validateReferences(template)).toEqual([]);
      expect(await validateReferences(alternative.template)).toEqual([]);
    });

    it('exports none of its outputs: compose passes outputs as params', () => {
      const names = ['AlertTopicArn', 'SinkFailureQueueUrl', 'RealtimeTable'];
      expect(Object.keys(template.Outputs ?? {})).toEqual(expect.arrayContaining(names));
      for (const name of names) expect(template.Outputs?.[name]).not.toHaveProperty('Export');
    });
  });

  describe('deployed on its own (no parameters)', () => {
    it("reads ingest-transform's bucket from the stage's Parameter Store: no placeholder, every reference resolvable", () => {
      expect(JSON.stringify(template)).not.toContain('placeholder');
      expect(dynamicReferenceProblems(template, STAGE)).toEqual([]);
      expect(dynamicReferenceProblems(alternative.template, STAGE)).toEqual([]);
    });

    it('publishes its real-time bucket ARN for report-runner, and grants no function any ssm: action', () => {
      expect(propertiesOf(deployed, 'RealtimeBucketArnParameter')).toMatchObject({
        Name: '/pipeline/test/realtime-bucket-arn',
        Type: 'String',
        Tier: 'Standard',
        Value: { 'Fn::GetAtt': ['RealtimeBucket', 'Arn'] },
      });
      expect(ssmGrants(template)).toEqual([]);
    });

    it("notifies the stage's alarm topic, read from Parameter Store through an SSM-typed template parameter", () => {
      // A dynamic reference cannot sit in Conditions, where "is there a topic" is decided.
      expect(template.Parameters?.AlarmTopicArn).toMatchObject({
        Type: 'AWS::SSM::Parameter::Value<String>',
        Default: '/pipeline/test/alarm-topic-arn',
      });
      const actions = Object.values(
        alarmActionsOf(resolveConditions(template, publishedStageParameters('test'))),
      );
      expect(actions.length).toBeGreaterThan(0);
      for (const action of actions) {
        expect(action).toEqual({
          AlarmActions: [{ Ref: 'AlarmTopicArn' }],
          OKActions: [{ Ref: 'AlarmTopicArn' }],
        });
      }
      expect(dynamicReferenceProblems(template, 'test')).toEqual([]);
    });

    it('keeps an explicit alarmTopicArn: a topic ARN is notified, none notifies no one', () => {
      expect(alternative.template.Parameters?.AlarmTopicArn).toMatchObject({
        Type: 'String',
        Default: ALARM_TOPIC,
      });
      for (const action of Object.values(alarmActionsOf(resolveConditions(alternative.template)))) {
        expect(action).toEqual({
          AlarmActions: [{ Ref: 'AlarmTopicArn' }],
          OKActions: [{ Ref: 'AlarmTopicArn' }],
        });
      }
      expect(redshift.template.Parameters?.AlarmTopicArn).toMatchObject({ Type: 'String', Default: 'none' });
      const silent = Object.values(alarmActionsOf(resolveConditions(redshift.template)));
      expect(silent.length).toBeGreaterThan(0);
      expect(silent.filter((action) => Object.keys(action).length > 0)).toEqual([]);
    });
  });
});
