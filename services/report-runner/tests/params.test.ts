import {
  paramProblemsOf,
  paramRefusalOf,
  undeclaredParams,
  undocumentedParams,
} from '@pipeline/shared/testing';
import type { AWS } from 'osls';
import { paramDescriptions, paramRules } from '../src/params';

let config: AWS;
beforeAll(async () => {
  // serverless.ts is CommonJS (`module.exports = config`), as osls loads it.
  config = ((await import('../serverless')) as unknown as { default: AWS }).default;
});
// QuickSight on, owned by a user of the default namespace (identity region us-east-1).
const QUICKSIGHT = {
  quicksight: 'enabled',
  quicksightPrincipalArn: 'arn:aws:quicksight:us-east-1:123456789012:user/default/analyst',
};
const names = (overrides: Record<string, string>, stage = 'prod') =>
  paramProblemsOf(config, paramRules, { stage, overrides }).map(({ name }) => name);

describe('report-runner deployment parameters', () => {
  it('accepts its own defaults, deployed and on stage local', () => {
    expect(paramProblemsOf(config, paramRules, { stage: 'prod' })).toEqual([]);
    expect(paramProblemsOf(config, paramRules, { stage: 'local' })).toEqual([]);
    expect(undeclaredParams(config, paramRules)).toEqual([]);
  });

  it('reads the buckets of a stage deployed without compose from its Parameter Store', () => {
    const stageValues = {
      ingestBucketName: '{{resolve:ssm:/pipeline/prod/ingest-bucket-name}}',
      ingestBucketArn: '{{resolve:ssm:/pipeline/prod/ingest-bucket-arn}}',
      realtimeBucketArn: '{{resolve:ssm:/pipeline/prod/realtime-bucket-arn}}',
    };
    expect(names(stageValues)).toEqual([]);
    expect(config.params?.default).toMatchObject({
      ingestBucketName: '{{resolve:ssm:/pipeline/${sls:stage}/ingest-bucket-name}}',
      ingestBucketArn: '{{resolve:ssm:/pipeline/${sls:stage}/ingest-bucket-arn}}',
      realtimeBucketArn: '{{resolve:ssm:/pipeline/${sls:stage}/realtime-bucket-arn}}',
    });
  });

  it('accepts QuickSight over Athena, and over Postgres with its secret and endpoint', () => {
    expect(names(QUICKSIGHT)).toEqual([]);
    expect(
      names({
        ...QUICKSIGHT,
        quicksightPrincipalArn: 'arn:aws:quicksight:us-east-1:123456789012:group/default/pipeline-analysts',
        warehouse: 'postgres',
        warehouseUrlSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pipeline-url',
        quicksightWarehouseSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:quicksight',
        quicksightPostgresEndpoint: 'db.internal.example.com:5432/pipeline',
        quicksightVpcConnectionArn: 'arn:aws:quicksight:eu-west-1:123456789012:vpcConnection/pipeline-vpc',
      }),
    ).toEqual([]);
  });

  it.each([
    [
      'a Redshift workgroup name without its ARN',
      {
        warehouse: 'redshift-serverless',
        redshiftWorkgroupName: 'pipeline',
        redshiftCopyRoleArn: 'arn:aws:iam::123456789012:role/copy',
      },
      ['redshiftWorkgroupArn'],
    ],
    [
      'a malformed workgroup ARN',
      {
        warehouse: 'redshift-serverless',
        redshiftWorkgroupName: 'pipeline',
        redshiftWorkgroupArn: 'pipeline',
        redshiftCopyRoleArn: 'arn:aws:iam::123456789012:role/copy',
      },
      ['redshiftWorkgroupArn'],
    ],
    [
      'an existing Redshift target without its COPY role',
      { warehouse: 'redshift-cluster', redshiftClusterIdentifier: 'pipeline' },
      ['redshiftCopyRoleArn'],
    ],
    [
      'postgres without a URL secret outside stage local',
      { warehouse: 'postgres' },
      ['warehouseUrlSecretArn'],
    ],
    [
      'a malformed URL secret',
      {
        warehouse: 'postgres',
        warehouseUrlSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:pipeline',
      },
      ['warehouseUrlSecretArn'],
    ],
    [
      'a real-time Glue database (read by the dashboard without a warehouse) that is no identifier',
      { realtimeGlueDatabaseName: 'pipeline-prod' },
      ['realtimeGlueDatabaseName'],
    ],
    [
      'a real-time bucket that is no S3 bucket ARN',
      { realtimeBucketArn: 'pipeline-realtime' },
      ['realtimeBucketArn'],
    ],
    ['an ingest bucket that is no bucket name', { ingestBucketName: 'Ingest_Bucket' }, ['ingestBucketName']],
    [
      // CloudFormation keeps a reference with spaces as literal text (cfn-lint W1053).
      'a stage value read with a malformed dynamic reference',
      { ingestBucketArn: '{{ resolve:ssm:/pipeline/prod/ingest-bucket-arn }}' },
      ['ingestBucketArn'],
    ],
    [
      'an SQS batch above 10 without a batching window',
      { batchSize: '20', batchingWindowSeconds: '0' },
      ['batchingWindowSeconds'],
    ],
    ['a maximum concurrency below 2', { maximumConcurrency: '1' }, ['maximumConcurrency']],
    ['an Athena cutoff below 10 MB', { bytesScannedCutoffPerQuery: '1000' }, ['bytesScannedCutoffPerQuery']],
    [
      'anomaly bounds in the wrong order',
      { anomalyTemperatureMin: '60', anomalyTemperatureMax: '50' },
      ['anomalyTemperatureMin'],
    ],
    ['an unknown warehouse', { warehouse: 'redshift' }, ['warehouse']],
    ['a log retention CloudWatch does not offer', { logRetentionInDays: '100' }, ['logRetentionInDays']],
    ['a QuickSight switch that is neither enabled nor disabled', { quicksight: 'true' }, ['quicksight']],
    ['QuickSight without the principal that owns it', { quicksight: 'enabled' }, ['quicksightPrincipalArn']],
    [
      'a QuickSight principal that is an IAM ARN, not a QuickSight user or group',
      { quicksight: 'enabled', quicksightPrincipalArn: 'arn:aws:iam::123456789012:user/analyst' },
      ['quicksightPrincipalArn'],
    ],
    [
      'QuickSight over a warehouse without the secret it signs in with',
      { ...QUICKSIGHT, warehouse: 'create-serverless' },
      ['quicksightWarehouseSecretArn'],
    ],
    [
      'QuickSight over Postgres without its endpoint',
      {
        ...QUICKSIGHT,
        warehouse: 'postgres',
        warehouseUrlSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pipeline-url',
        quicksightWarehouseSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:quicksight',
      },
      ['quicksightPostgresEndpoint'],
    ],
    [
      'a Postgres endpoint without its port',
      {
        ...QUICKSIGHT,
        warehouse: 'postgres',
        warehouseUrlSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pipeline-url',
        quicksightWarehouseSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:quicksight',
        quicksightPostgresEndpoint: 'db.example.com/pipeline',
      },
      ['quicksightPostgresEndpoint'],
    ],
    [
      'a QuickSight VPC connection that is no ARN',
      { ...QUICKSIGHT, quicksightVpcConnectionArn: 'vpc-0abc' },
      ['quicksightVpcConnectionArn'],
    ],
  ])('refuses %s, naming the parameter', (_, overrides, expected) => {
    expect(names(overrides)).toEqual(expected);
  });

  it('gives every parameter it declares a rule and a one-line description (npm run params:table)', () => {
    expect(undocumentedParams(config, paramRules, paramDescriptions)).toEqual({
      withoutRule: [],
      withoutDescription: [],
      orphaned: [],
    });
  });

  it.each([
    [
      'a Glue database name Athena folds to lower case',
      { glueDatabaseName: 'Pipeline_prod' },
      ['glueDatabaseName'],
    ],
    ['a Redshift database that is no identifier', { redshiftDatabase: 'my-db' }, ['redshiftDatabase']],
    [
      'a Kafka quarantine bucket that is no S3 ARN',
      { kafkaQuarantineBucketArn: 'msk-quarantine' },
      ['kafkaQuarantineBucketArn'],
    ],
    ['a re-run schedule EventBridge refuses', { rerunSchedule: 'daily' }, ['rerunSchedule']],
    ['a books schedule EventBridge refuses', { booksSchedule: 'cron(35 * * * *)' }, ['booksSchedule']],
    [
      'a registry folder without its trailing slash',
      { registryPrefix: 'reference/devices' },
      ['registryPrefix'],
    ],
    ['a database user that is no Redshift identifier', { redshiftDbUser: 'ops user' }, ['redshiftDbUser']],
  ])('refuses %s, naming the parameter (a rule for every parameter)', (_, overrides, expected) => {
    expect(names(overrides)).toEqual(expected);
  });
});

// What `sls package --stage test` prints when it refuses, through the call osls makes while it
// resolves the config (shared/src/serverless/check-params.cjs); params.int.test.ts shows, with one
// real packaging, that this message reaches the user and stops the packaging.
describe('report-runner refusal at package time', () => {
  it.each([
    [
      'warehouse=redshift-serverless and a workgroup name but no ARN',
      {
        warehouse: 'redshift-serverless',
        redshiftWorkgroupName: 'pipeline',
        redshiftCopyRoleArn: 'arn:aws:iam::123456789012:role/copy',
      },
      ['--param redshiftWorkgroupArn=none: must be set'],
    ],
    [
      'a malformed workgroup ARN and an SQS batch above 10 without a batching window',
      {
        warehouse: 'redshift-serverless',
        redshiftWorkgroupName: 'pipeline',
        redshiftWorkgroupArn: 'arn:aws:redshift-serverless:eu-west-1:123456789012:workgroup/pipeline',
        redshiftCopyRoleArn: 'arn:aws:iam::123456789012:role/copy',
        batchSize: '20',
        batchingWindowSeconds: '0',
      },
      [
        '--param redshiftWorkgroupArn=arn:aws:redshift-serverless:eu-west-1:123456789012:workgroup/pipeline: must be a Redshift Serverless workgroup ARN',
        '--param batchingWindowSeconds=0: must be at least 1 with batchSize 20',
      ],
    ],
    [
      // The default reads the stage's value (a well-formed ssm dynamic reference, accepted);
      // CloudFormation would keep one with spaces as literal text.
      'a malformed stage value for the ingest bucket and a bucket name S3 refuses',
      {
        ingestBucketArn: '{{ resolve:ssm:/pipeline/test/ingest-bucket-arn }}',
        ingestBucketName: 'Lake_Bucket',
      },
      [
        '--param ingestBucketArn={{ resolve:ssm:/pipeline/test/ingest-bucket-arn }}: must be an S3 bucket ARN',
        '--param ingestBucketName=Lake_Bucket: must be an S3 bucket name',
      ],
    ],
    [
      'warehouse=postgres without a URL secret outside stage local',
      { warehouse: 'postgres' },
      ['--param warehouseUrlSecretArn=none: must be set with warehouse=postgres outside stage local'],
    ],
    [
      'quicksight=enabled without the principal that owns its assets',
      { quicksight: 'enabled' },
      ['--param quicksightPrincipalArn=none: must be set'],
    ],
  ])('with %s, naming each parameter', (_, overrides, messages) => {
    const refusal = paramRefusalOf(config, paramRules, { stage: 'test', overrides });
    expect(refusal).toContain('Invalid deployment parameters of report-runner:');
    for (const message of messages) expect(refusal).toContain(message);
  });
});
