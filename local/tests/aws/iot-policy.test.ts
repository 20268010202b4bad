import { devicePolicyDocument } from '@pipeline/shared/serverless';
import { resolveSubs } from '@pipeline/shared/testing';
import { iotPolicyAllows } from '../../src/aws/iot-policy';

const PREFIX = 'arn:aws:iot:eu-west-1:123456789012';
// The document ingest-transform deploys, as CloudFormation hands it to IoT Core.
const deployed = resolveSubs(devicePolicyDocument('telemetry'), {
  'AWS::Partition': 'aws',
  'AWS::Region': 'eu-west-1',
  'AWS::AccountId': '123456789012',
}) as { Statement: unknown };

const connect = (clientId: string, thingName?: string) =>
  iotPolicyAllows(deployed, {
    action: 'iot:Connect',
    resource: `${PREFIX}:client/${clientId}`,
    ...(thingName ? { thingName } : {}),
  });
const publish = (topic: string, thingName?: string) =>
  iotPolicyAllows(deployed, {
    action: 'iot:Publish',
    resource: `${PREFIX}:topic/${topic}`,
    ...(thingName ? { thingName } : {}),
  });

describe('IoT Core policy evaluation of the device policy', () => {
  it('lets a thing connect with its own name as client id, and nothing else', () => {
    expect(connect('dev-0001', 'dev-0001')).toBe(true);
    expect(connect('dev-0002', 'dev-0001')).toBe(false);
  });

  it('denies a certificate attached to no thing: the variable does not resolve, IsAttached is false', () => {
    expect(connect('dev-0001')).toBe(false);
    expect(publish('telemetry/dev-0001')).toBe(false);
  });

  it("lets a thing publish only on <prefix>/<its name>, not on another device's topic or a subtopic", () => {
    expect(publish('telemetry/dev-0001', 'dev-0001')).toBe(true);
    expect(publish('telemetry/dev-0002', 'dev-0001')).toBe(false);
    expect(publish('telemetry/dev-0001/x', 'dev-0001')).toBe(false);
    expect(publish('other/dev-0001', 'dev-0001')).toBe(false);
  });

  it('treats * as a wildcard and MQTT + as a plain character, and lets Deny win', () => {
    const document = {
      Statement: [
        { Effect: 'Allow', Action: 'iot:Publish', Resource: `${PREFIX}:topic/a/*` },
        { Effect: 'Allow', Action: 'iot:Publish', Resource: `${PREFIX}:topic/b/+` },
        { Effect: 'Deny', Action: 'iot:Publish', Resource: `${PREFIX}:topic/a/secret` },
      ],
    };
    const allows = (topic: string) =>
      iotPolicyAllows(document, { action: 'iot:Publish', resource: `${PREFIX}:topic/${topic}` });
    expect([allows('a/x/y'), allows('a/secret'), allows('b/x'), allows('b/+')]).toEqual([
      true,
      false,
      false,
      true,
    ]);
  });

  it('refuses to guess on a condition it does not model', () => {
    const document = {
      Statement: [
        {
          Effect: 'Allow',
          Action: 'iot:Connect',
          Resource: '*',
          Condition: { StringEquals: { 'iot:Connection.Thing.ThingTypeName': 'sensor' } },
        },
      ],
    };
    expect(() =>
      iotPolicyAllows(document, { action: 'iot:Connect', resource: `${PREFIX}:client/x` }),
    ).toThrow(/not modelled/);
  });
});
