import path from 'node:path';
import { packageFailure } from '@pipeline/shared/testing';

const SERVICE_DIR = path.resolve(__dirname, '..');

// Misconfiguration fails at package time, never in CloudFormation: src/params.ts holds the rules,
// which osls runs while it resolves the config (shared/src/serverless/check-params.cjs).
describe('sls package refuses parameters AWS would refuse', () => {
  it.each([
    [
      'malformed cluster, hub stream and SCRAM secret ARNs',
      {
        mskClusterArn: 'arn:aws:kafka:eu-west-1:123456789012:cluster/telemetry',
        hubStreamArn: 'arn:aws:kinesis:eu-west-1:123456789012:telemetry',
        mskSaslScramSecretArn: 'AmazonMSK_telemetry',
        mskBatchingWindowSeconds: '301',
      },
      [
        '--param mskClusterArn=arn:aws:kafka:eu-west-1:123456789012:cluster/telemetry: must be an MSK cluster ARN',
        '--param hubStreamArn=arn:aws:kinesis:eu-west-1:123456789012:telemetry: must be a Kinesis stream ARN',
        '--param mskSaslScramSecretArn=AmazonMSK_telemetry: must be a Secrets Manager secret ARN',
        '--param mskBatchingWindowSeconds=301: must be an integer from 0 to 300',
      ],
    ],
  ])(
    'with %s, naming each parameter',
    async (_, params, messages) => {
      const output = await packageFailure(SERVICE_DIR, { stage: 'test', params });
      expect(output).toContain('Invalid deployment parameters of msk-consumer:');
      for (const message of messages) expect(output).toContain(message);
    },
    120_000,
  );
});
