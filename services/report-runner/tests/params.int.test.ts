import path from 'node:path';
import { packageFailure } from '@pipeline/shared/testing';

const SERVICE_DIR = path.resolve(__dirname, '..');

// Misconfiguration fails at package time, never in CloudFormation: src/params.ts holds the rules,
// which osls runs while it resolves the config (shared/src/serverless/check-params.cjs).
describe('sls package refuses parameters AWS would refuse', () => {
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
  ])(
    'with %s, naming each parameter',
    async (_, params, messages) => {
      const output = await packageFailure(SERVICE_DIR, { stage: 'test', params });
      expect(output).toContain('Invalid deployment parameters of report-runner:');
      for (const message of messages) expect(output).toContain(message);
    },
    120_000,
  );
});
