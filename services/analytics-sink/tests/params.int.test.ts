import path from 'node:path';
import { packageFailure } from '@pipeline/shared/testing';

const SERVICE_DIR = path.resolve(__dirname, '..');

// Misconfiguration fails at package time, never in CloudFormation: src/params.ts holds the rules,
// which osls runs while it resolves the config (shared/src/serverless/check-params.cjs). One real
// packaging shows the refusal reaches the user; every other case is the same call without osls's
// start-up, in params.test.ts.
describe('sls package refuses parameters AWS would refuse', () => {
  it('with a malformed workgroup ARN, hub stream ARN and out-of-range numbers, naming each parameter', async () => {
    const output = await packageFailure(SERVICE_DIR, {
      stage: 'test',
      params: {
        warehouse: 'redshift-serverless',
        redshiftWorkgroupName: 'pipeline',
        redshiftWorkgroupArn: 'arn:aws:redshift-serverless:eu-west-1:123456789012:workgroup/pipeline',
        hubStreamArn: 'telemetry',
        tumblingWindowSeconds: '1000',
        batchSize: '0',
        logRetentionInDays: '31',
      },
    });
    expect(output).toContain('Invalid deployment parameters of analytics-sink:');
    for (const message of [
      '--param redshiftWorkgroupArn=arn:aws:redshift-serverless:eu-west-1:123456789012:workgroup/pipeline: must be a Redshift Serverless workgroup ARN',
      '--param hubStreamArn=telemetry: must be a Kinesis stream ARN',
      '--param tumblingWindowSeconds=1000: must be an integer from 1 to 900',
      '--param batchSize=0: must be an integer from 1 to 10000',
      '--param logRetentionInDays=31: must be one of 1, 3, 5',
    ])
      expect(output).toContain(message);
  }, 120_000);
});
