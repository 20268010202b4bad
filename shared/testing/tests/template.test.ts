import {
  allowStatements,
  evaluateConditions,
  resolveConditions,
  resolveSubs,
  resourcesOfType,
  valueAt,
  wildcardActions,
} from '../template';
import type { CfnTemplate } from '../template';

const template = (): CfnTemplate => ({
  Conditions: {
    IsProvisioned: { 'Fn::Equals': ['ON_DEMAND', 'PROVISIONED'] },
    IsOnDemand: { 'Fn::Not': [{ Condition: 'IsProvisioned' }] },
    Both: { 'Fn::And': [{ Condition: 'IsOnDemand' }, { 'Fn::Equals': ['true', 'true'] }] },
  },
  Resources: {
    Stream: {
      Type: 'AWS::Kinesis::Stream',
      Properties: {
        StreamModeDetails: { StreamMode: 'ON_DEMAND' },
        ShardCount: { 'Fn::If': ['IsProvisioned', '2', { Ref: 'AWS::NoValue' }] },
        Tags: [{ 'Fn::If': ['Both', { Key: 'mode', Value: 'on-demand' }, { Ref: 'AWS::NoValue' }] }],
      },
    },
    ShardAlarm: { Type: 'AWS::CloudWatch::Alarm', Condition: 'IsProvisioned', Properties: {} },
    Role: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] },
        Policies: [
          {
            PolicyName: 'inline',
            PolicyDocument: {
              Statement: [
                {
                  Sid: 'Read',
                  Effect: 'Allow',
                  Action: ['kinesis:Get*', 'kinesis:DescribeStream'],
                  Resource: '*',
                },
                { Effect: 'Deny', Action: '*', Resource: '*' },
              ],
            },
          },
          {
            'Fn::If': [
              'IsProvisioned',
              {
                PolicyName: 'scale',
                PolicyDocument: {
                  Statement: { Effect: 'Allow', Action: 'kinesis:UpdateShardCount', Resource: 'x' },
                },
              },
              { Ref: 'AWS::NoValue' },
            ],
          },
        ],
      },
    },
    Managed: {
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', NotAction: 'iam:*', Resource: 'y' }] } },
    },
  },
  Outputs: {
    Alarm: { Condition: 'IsProvisioned', Value: { Ref: 'ShardAlarm' } },
    Stream: { Value: { Ref: 'Stream' } },
  },
});

describe('template queries', () => {
  it('finds resources by type with their logical ids', () => {
    expect(resourcesOfType(template(), 'AWS::Kinesis::Stream').map(({ logicalId }) => logicalId)).toEqual([
      'Stream',
    ]);
  });

  it('reads values along dotted and indexed paths', () => {
    const properties = template().Resources.Role!.Properties;
    expect(valueAt(properties, 'Policies[0].PolicyDocument.Statement[0].Sid')).toBe('Read');
    expect(valueAt(properties, 'Policies[7].PolicyName')).toBeUndefined();
  });

  it('lists Allow statements of inline and managed policies, both Fn::If branches, but not trust or Deny', () => {
    expect(
      allowStatements(template()).map(({ owner, sid, actions, resources }) => [
        owner,
        sid,
        actions,
        resources,
      ]),
    ).toEqual([
      ['Role', 'Read', ['kinesis:Get*', 'kinesis:DescribeStream'], ['*']],
      ['Role', undefined, ['kinesis:UpdateShardCount'], ['x']],
      ['Managed', undefined, [], ['y']],
    ]);
  });

  it('flags wildcard actions and NotAction grants', () => {
    expect(wildcardActions(template())).toEqual([
      { owner: 'Role', sid: 'Read', action: 'kinesis:Get*' },
      { owner: 'Managed', action: 'NotAction iam:*' },
    ]);
  });
});

describe('resolveConditions', () => {
  it('evaluates Fn::Equals, Fn::Not, Fn::And and Condition references', () => {
    expect(evaluateConditions(template())).toEqual({ IsProvisioned: false, IsOnDemand: true, Both: true });
  });

  it('drops resources and outputs whose condition is false and resolves Fn::If, removing AWS::NoValue', () => {
    const resolved = resolveConditions(template());
    expect(Object.keys(resolved.Resources)).toEqual(['Stream', 'Role', 'Managed']);
    expect(Object.keys(resolved.Outputs ?? {})).toEqual(['Stream']);
    expect(resolved.Resources.Stream!.Properties).toEqual({
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      Tags: [{ Key: 'mode', Value: 'on-demand' }],
    });
    expect(valueAt(resolved.Resources.Role!.Properties, 'Policies')).toHaveLength(1);
  });

  it('refuses conditions that depend on deploy-time values', () => {
    const withRegion = template();
    withRegion.Conditions = { InEurope: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] } };
    expect(() => evaluateConditions(withRegion)).toThrow(/deploy-time value/);
  });
});

describe('resolveSubs', () => {
  const variables = { 'AWS::Region': 'eu-west-1', Queue: 'runs' };

  it('substitutes variables and writes ${!x} as the literal ${x}, as CloudFormation does', () => {
    expect(
      resolveSubs(
        { Resource: [{ 'Fn::Sub': 'arn:${AWS::Region}:${Queue}/${!iot:ClientId}' }], Other: 1 },
        variables,
      ),
    ).toEqual({ Resource: ['arn:eu-west-1:runs/${iot:ClientId}'], Other: 1 });
  });

  it('throws on a variable it has no value for', () => {
    expect(() => resolveSubs({ 'Fn::Sub': '${AWS::AccountId}' }, variables)).toThrow(/AWS::AccountId/);
  });
});
