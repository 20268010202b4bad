import { paramProblemsOf, undeclaredParams } from '@pipeline/shared/testing';
import type { AWS } from 'osls';
import { paramRules } from '../src/params';

let config: AWS;
beforeAll(async () => {
  // serverless.ts is CommonJS (`module.exports = config`), as osls loads it.
  config = ((await import('../serverless')) as unknown as { default: AWS }).default;
});
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
  ])('refuses %s, naming the parameter', (_, overrides, expected) => {
    expect(names(overrides)).toEqual(expected);
  });
});
