import { paramProblemsOf, undeclaredParams, undocumentedParams } from '@pipeline/shared/testing';
import type { AWS } from 'osls';
import { paramDescriptions, paramRules } from '../src/params';

let config: AWS;
beforeAll(async () => {
  // serverless.ts is CommonJS (`module.exports = config`), as osls loads it.
  config = ((await import('../serverless')) as unknown as { default: AWS }).default;
});
const names = (overrides: Record<string, string>, stage = 'prod') =>
  paramProblemsOf(config, paramRules, { stage, overrides }).map(({ name }) => name);

describe('ingest-transform deployment parameters', () => {
  it('accepts its own defaults, deployed and on stage local', () => {
    expect(paramProblemsOf(config, paramRules, { stage: 'prod' })).toEqual([]);
    expect(paramProblemsOf(config, paramRules, { stage: 'local' })).toEqual([]);
    expect(undeclaredParams(config, paramRules)).toEqual([]);
  });

  it.each([
    [
      'an S3 buffer below the 64 MiB dynamic partitioning needs',
      { s3BufferSizeMB: '32' },
      ['s3BufferSizeMB'],
    ],
    ['an S3 buffer above 128 MiB', { s3BufferSizeMB: '129' }, ['s3BufferSizeMB']],
    [
      'zero buffering, which dynamic partitioning refuses',
      { s3BufferIntervalSeconds: '0' },
      ['s3BufferIntervalSeconds'],
    ],
    ['an S3 buffer interval above 900 s', { s3BufferIntervalSeconds: '901' }, ['s3BufferIntervalSeconds']],
    [
      'a processor interval above 900 s',
      { processorBufferIntervalSeconds: '901' },
      ['processorBufferIntervalSeconds'],
    ],
    ['a hub retention outside 24-8760 hours', { streamRetentionHours: '12' }, ['streamRetentionHours']],
    [
      'a shard count of 0 in provisioned mode',
      { streamMode: 'PROVISIONED', shardCount: '0' },
      ['shardCount'],
    ],
    [
      'an unknown stream mode or lake format',
      { streamMode: 'on-demand', lakeFormat: 'csv' },
      ['streamMode', 'lakeFormat'],
    ],
    ['a registry key outside reference/devices/', { registryKey: 'registry.jsonl' }, ['registryKey']],
    ['an IoT topic prefix with a wildcard', { iotTopicPrefix: 'telemetry/+' }, ['iotTopicPrefix']],
    ['a log retention CloudWatch does not offer', { logRetentionInDays: '45' }, ['logRetentionInDays']],
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
});
