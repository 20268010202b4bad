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

describe('analytics-sink deployment parameters', () => {
  it('accepts its own defaults, deployed and on stage local', () => {
    expect(paramProblemsOf(config, paramRules, { stage: 'prod' })).toEqual([]);
    expect(paramProblemsOf(config, paramRules, { stage: 'local' })).toEqual([]);
    expect(undeclaredParams(config, paramRules)).toEqual([]);
  });

  it.each([
    [
      'a Redshift workgroup name without its ARN',
      { warehouse: 'redshift-serverless', redshiftWorkgroupName: 'pipeline' },
      ['redshiftWorkgroupArn'],
    ],
    [
      'Redshift Serverless without a workgroup',
      { warehouse: 'redshift-serverless' },
      ['redshiftWorkgroupName', 'redshiftWorkgroupArn'],
    ],
    [
      'a malformed workgroup ARN',
      {
        warehouse: 'redshift-serverless',
        redshiftWorkgroupName: 'pipeline',
        redshiftWorkgroupArn: 'arn:aws:redshift-serverless:eu-west-1:123456789012:workgroup/pipeline',
      },
      ['redshiftWorkgroupArn'],
    ],
    ['an unknown store', { warehouse: 'athena' }, ['warehouse']],
    ['a Glue database Athena cannot name', { glueDatabaseName: 'pipeline-prod' }, ['glueDatabaseName']],
    [
      'postgres without a URL secret outside stage local',
      { warehouse: 'postgres' },
      ['warehouseUrlSecretArn'],
    ],
    [
      'a malformed URL secret',
      { warehouse: 'postgres', warehouseUrlSecretArn: 'pipeline-warehouse' },
      ['warehouseUrlSecretArn'],
    ],
    ['a malformed hub stream ARN', { hubStreamArn: 'ingest-transform-prod-telemetry' }, ['hubStreamArn']],
    [
      'an alert target that is no SNS topic',
      { alertTarget: 'arn:aws:sqs:eu-west-1:123456789012:alerts' },
      ['alertTarget'],
    ],
    ['a tumbling window beyond 900 s, or of 0', { tumblingWindowSeconds: '901' }, ['tumblingWindowSeconds']],
    [
      'batch size and window beyond the Kinesis mapping limits',
      { batchSize: '10001', batchingWindowSeconds: '301' },
      ['batchSize', 'batchingWindowSeconds'],
    ],
    ['a record age between -1 and 60 s', { maximumRecordAgeSeconds: '30' }, ['maximumRecordAgeSeconds']],
    ['a window state at the 1 MB limit', { maxStateBytes: '1000000' }, ['maxStateBytes']],
    ['a dedup memory of more than half the state', { dedupCapacity: '100000' }, ['dedupCapacity']],
    ['unparseable alert rules', { alertRules: 'temperature>>80' }, ['alertRules']],
    ['a log retention CloudWatch does not offer', { logRetentionInDays: '31' }, ['logRetentionInDays']],
    ['an empty value osls cannot even pass', { alarmTopicArn: '' }, ['alarmTopicArn']],
  ])('refuses %s, naming the parameter', (_, overrides, expected) => {
    expect(names(overrides)).toEqual(expected);
  });

  it('lets stage local use the local warehouse URL without a secret', () => {
    expect(names({ warehouse: 'postgres' }, 'local')).toEqual([]);
  });

  it('gives every parameter it declares a rule and a one-line description (npm run params:table)', () => {
    expect(undocumentedParams(config, paramRules, paramDescriptions)).toEqual({
      withoutRule: [],
      withoutDescription: [],
      orphaned: [],
    });
  });

  it.each([
    ['a Glue database name starting with a digit', { glueDatabaseName: '1pipeline' }, ['glueDatabaseName']],
    ['a Redshift database that is no identifier', { redshiftDatabase: 'my-db' }, ['redshiftDatabase']],
  ])('refuses %s, naming the parameter (a rule for every parameter)', (_, overrides, expected) => {
    expect(names(overrides)).toEqual(expected);
  });
});
