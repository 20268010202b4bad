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

describe('msk-consumer deployment parameters', () => {
  it('accepts its own defaults, deployed and on stage local', () => {
    expect(paramProblemsOf(config, paramRules, { stage: 'prod' })).toEqual([]);
    expect(paramProblemsOf(config, paramRules, { stage: 'local' })).toEqual([]);
    expect(undeclaredParams(config, paramRules)).toEqual([]);
  });

  it.each([
    [
      'a malformed MSK cluster ARN',
      { mskClusterArn: 'arn:aws:kafka:eu-west-1:123456789012:topic/telemetry' },
      ['mskClusterArn'],
    ],
    [
      'a malformed hub stream ARN',
      { hubStreamArn: 'arn:aws:kinesis:eu-west-1:123456789012:telemetry' },
      ['hubStreamArn'],
    ],
    [
      'a SCRAM secret MSK cannot associate (no AmazonMSK_ prefix)',
      { mskSaslScramSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kafka-AbCdEf' },
      ['mskSaslScramSecretArn'],
    ],
    ['a malformed SCRAM secret ARN', { mskSaslScramSecretArn: 'AmazonMSK_kafka' }, ['mskSaslScramSecretArn']],
    [
      'batch size and window beyond the MSK mapping limits',
      { mskBatchSize: '10001', mskBatchingWindowSeconds: '301' },
      ['mskBatchSize', 'mskBatchingWindowSeconds'],
    ],
    [
      'fewer maximum than minimum pollers',
      { mskMinimumPollers: '5', mskMaximumPollers: '2' },
      ['mskMaximumPollers'],
    ],
    ['subnets without security groups', { vpcSubnetIds: 'subnet-0a1b2c3d4e5f60718' }, ['vpcSubnetIds']],
    [
      'malformed security group ids',
      { vpcSubnetIds: 'subnet-0a1b2c3d4e5f60718', vpcSecurityGroupIds: 'default' },
      ['vpcSecurityGroupIds'],
    ],
    ['an alarm topic that is no SNS topic ARN', { alarmTopicArn: 'alarms' }, ['alarmTopicArn']],
    ['a log retention CloudWatch does not offer', { logRetentionInDays: '0' }, ['logRetentionInDays']],
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
      'a hub stream name of none, which kinesis:PutRecords cannot reach',
      { hubStreamName: 'none' },
      ['hubStreamName'],
    ],
    ['a Kafka topic the event source mapping refuses', { mskTopic: '.telemetry' }, ['mskTopic']],
    ['a consumer group id with a space', { mskConsumerGroupId: 'msk consumer' }, ['mskConsumerGroupId']],
    ['a Glue database name starting with a digit', { glueDatabaseName: '1pipeline' }, ['glueDatabaseName']],
  ])('refuses %s, naming the parameter (a rule for every parameter)', (_, overrides, expected) => {
    expect(names(overrides)).toEqual(expected);
  });
});
