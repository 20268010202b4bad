import path from 'node:path';
import { packageFailure } from '@pipeline/shared/testing';

const SERVICE_DIR = path.resolve(__dirname, '..');

// Misconfiguration fails at package time, never in CloudFormation: src/params.ts holds the rules,
// which osls runs while it resolves the config (shared/src/serverless/check-params.cjs). One real
// packaging shows the refusal reaches the user; every other case is the same call without osls's
// start-up, in params.test.ts.
describe('sls package refuses parameters AWS would refuse', () => {
  // The default reads the stage's value (a well-formed ssm dynamic reference, accepted);
  // CloudFormation would keep one with spaces as literal text. Given on the command line, the
  // value also shows that osls hands `--param` text with spaces and braces to the rules unchanged.
  it('with a malformed stage value for the ingest bucket and a bucket name S3 refuses, naming each parameter', async () => {
    const output = await packageFailure(SERVICE_DIR, {
      stage: 'test',
      params: {
        ingestBucketArn: '{{ resolve:ssm:/pipeline/test/ingest-bucket-arn }}',
        ingestBucketName: 'Lake_Bucket',
      },
    });
    expect(output).toContain('Invalid deployment parameters of report-runner:');
    expect(output).toContain(
      '--param ingestBucketArn={{ resolve:ssm:/pipeline/test/ingest-bucket-arn }}: must be an S3 bucket ARN',
    );
    expect(output).toContain('--param ingestBucketName=Lake_Bucket: must be an S3 bucket name');
  }, 120_000);
});
