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

// What `sls package --stage test` prints when it refuses, through the call osls makes while it
// resolves the config (shared/src/serverless/check-params.cjs); params.int.test.ts shows, with one
// real packaging, that this message reaches the user and stops the packaging.
describe('analytics-sink refusal at package time', () => {
  it.each([
    [
      'warehouse=redshift-serverless and a workgroup name but no ARN',
      { warehouse: 'redshift-serverless', redshiftWorkgroupName: 'pipeline', redshiftWorkgroupArn: 'none' },
      ['--param redshiftWorkgroupArn=none: must be set'],
    ],
    [
      'a malformed workgroup ARN, hub stream ARN and out-of-range numbers',
      {
        warehouse: 'redshift-serverless',
        redshiftWorkgroupName: 'pipeline',
        redshiftWorkgroupArn: 'arn:aws:redshift-serverless:eu-west-1:123456789012:workgroup/pipeline',
        hubStreamArn: 'telemetry',
        tumblingWindowSeconds: '1000',
        batchSize: '0',
        logRetentionInDays: '31',
      },
      [
        '--param redshiftWorkgroupArn=arn:aws:redshift-serverless:eu-west-1:123456789012:workgroup/pipeline: must be a Redshift Serverless workgroup ARN',
        '--param hubStreamArn=telemetry: must be a Kinesis stream ARN',
        '--param tumblingWindowSeconds=1000: must be an integer from 1 to 900',
        '--param batchSize=0: must be an integer from 1 to 10000',
        '--param logRetentionInDays=31: must be one of 1, 3, 5',
      ],
    ],
    [
      'warehouse=postgres without a URL secret outside stage local',
      { warehouse: 'postgres' },
      ['--param warehouseUrlSecretArn=none: must be set with warehouse=postgres outside stage local'],
    ],
    [
      'a malformed URL secret and alarm topic',
      { warehouse: 'postgres', warehouseUrlSecretArn: 'pipeline-warehouse', alarmTopicArn: 'alarms' },
      [
        '--param warehouseUrlSecretArn=pipeline-warehouse: must be a Secrets Manager secret ARN',
        '--param alarmTopicArn=alarms: must be an SNS topic ARN',
      ],
    ],
  ])('with %s, naming each parameter', (_, overrides, messages) => {
    const refusal = paramRefusalOf(config, paramRules, { stage: 'test', overrides });
    expect(refusal).toContain('Invalid deployment parameters of analytics-sink:');
    for (const message of messages) expect(refusal).toContain(message);
  });
});
