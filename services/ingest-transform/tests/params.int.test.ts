import path from 'node:path';
import { packageFailure } from '@pipeline/shared/testing';

const SERVICE_DIR = path.resolve(__dirname, '..');

// Misconfiguration fails at package time, never in CloudFormation: src/params.ts holds the rules,
// which osls runs while it resolves the config (shared/src/serverless/check-params.cjs).
describe('sls package refuses parameters AWS would refuse', () => {
  it.each([
    [
      'Firehose buffer hints (one that could divert valid readings), hub retention and log retention out of range',
      {
        s3BufferSizeMB: '129',
        s3BufferIntervalSeconds: '0',
        streamRetentionHours: '12',
        logRetentionInDays: '31',
        processorBufferSizeMB: '1',
      },
      [
        '--param s3BufferSizeMB=129: must be an integer from 64 to 128',
        '--param s3BufferIntervalSeconds=0: must be an integer from 60 to 900',
        '--param streamRetentionHours=12: must be an integer from 24 to 8760',
        '--param logRetentionInDays=31: must be one of 1, 3, 5',
        '--param processorBufferSizeMB=1: must be at most 0.2',
      ],
    ],
  ])(
    'with %s, naming each parameter',
    async (_, params, messages) => {
      const output = await packageFailure(SERVICE_DIR, { stage: 'test', params });
      expect(output).toContain('Invalid deployment parameters of ingest-transform:');
      for (const message of messages) expect(output).toContain(message);
    },
    120_000,
  );
});
