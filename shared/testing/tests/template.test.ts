import {
  allowStatements,
  evaluateConditions,
  resolveConditions,
  resolveSubs,
  resolveTemplateParameters,
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

  // A condition may compare a template parameter; osls passes no parameter values, so each takes
  // its Default, and an AWS::SSM::Parameter::Value<String> parameter the value Parameter Store holds
  // under that name, read before anything else (the operation fails when it is missing).
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/conditions-section-structure.html
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-supplied-parameter-types.html
  describe('over template parameters', () => {
    const notifying = (parameter: Record<string, unknown>): CfnTemplate => ({
      Parameters: { Topic: parameter },
      Conditions: { HasTopic: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'Topic' }, 'none'] }] } },
      Resources: {
        Alarm: {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: {
            AlarmActions: { 'Fn::If': ['HasTopic', [{ Ref: 'Topic' }], { Ref: 'AWS::NoValue' }] },
          },
        },
      },
    });
    const ssmTyped = {
      Type: 'AWS::SSM::Parameter::Value<String>',
      Default: '/pipeline/prod/alarm-topic-arn',
    };

    it('compares a String parameter by its Default', () => {
      expect(evaluateConditions(notifying({ Type: 'String', Default: 'none' }))).toEqual({ HasTopic: false });
      expect(evaluateConditions(notifying({ Type: 'String', Default: 'arn:aws:sns:eu-west-1:1:t' }))).toEqual(
        {
          HasTopic: true,
        },
      );
    });

    it("compares an SSM-typed parameter by the value the stage's Parameter Store holds", () => {
      const store = { '/pipeline/prod/alarm-topic-arn': 'arn:aws:sns:eu-west-1:123456789012:alarms' };
      expect(evaluateConditions(notifying(ssmTyped), store)).toEqual({ HasTopic: true });
      expect(resolveConditions(notifying(ssmTyped), store).Resources.Alarm!.Properties).toEqual({
        AlarmActions: [{ Ref: 'Topic' }],
      });
      expect(evaluateConditions(notifying(ssmTyped), { '/pipeline/prod/alarm-topic-arn': 'none' })).toEqual({
        HasTopic: false,
      });
    });

    it('fails, naming the parameter, when the store does not hold it', () => {
      expect(() => evaluateConditions(notifying(ssmTyped), {})).toThrow(
        /SSM parameter \/pipeline\/prod\/alarm-topic-arn does not exist/,
      );
    });

    it('replaces each Ref to a parameter by its value, leaving other Refs', () => {
      const store = { '/pipeline/prod/alarm-topic-arn': 'arn:aws:sns:eu-west-1:123456789012:alarms' };
      const resolved = resolveTemplateParameters(resolveConditions(notifying(ssmTyped), store), store);
      expect(resolved.Resources.Alarm!.Properties).toEqual({
        AlarmActions: ['arn:aws:sns:eu-west-1:123456789012:alarms'],
      });
      const region = { ...notifying(ssmTyped), Outputs: { Region: { Value: { Ref: 'AWS::Region' } } } };
      expect(resolveTemplateParameters(region, store).Outputs).toEqual({
        Region: { Value: { Ref: 'AWS::Region' } },
      });
      expect(() => resolveTemplateParameters(notifying(ssmTyped))).toThrow(/does not exist/);
    });

    it('refuses a Ref to a parameter the template does not declare', () => {
      const template = notifying({ Type: 'String', Default: 'none' });
      template.Parameters = {};
      expect(() => evaluateConditions(template)).toThrow(/deploy-time value/);
    });
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
