import { loadResourceSpec, validateReferences, validateResourceProperties } from '../index';
import type { CfnTemplate } from '../index';

// The infrastructure tests assert that these validators find nothing; here they must find something.
const base = (): CfnTemplate => ({
  Conditions: { IsParquet: { 'Fn::Equals': ['parquet', 'parquet'] } },
  Resources: {
    Stream: {
      Type: 'AWS::Kinesis::Stream',
      Properties: {
        Name: 'hub',
        StreamModeDetails: { StreamMode: 'ON_DEMAND' },
        ShardCount: { 'Fn::If': ['IsParquet', 2, { Ref: 'AWS::NoValue' }] },
        RetentionPeriodHours: '24',
        StreamEncryption: { EncryptionType: 'KMS', KeyId: { 'Fn::Sub': 'alias/aws/kinesis' } },
      },
    },
    Logs: { Type: 'AWS::Logs::LogStream', Properties: { LogGroupName: { Ref: 'Stream' } } },
  },
  Outputs: { StreamArn: { Value: { 'Fn::GetAtt': ['Stream', 'Arn'] } } },
});

const withResource = (logicalId: string, resource: CfnTemplate['Resources'][string]): CfnTemplate => {
  const template = base();
  template.Resources[logicalId] = resource;
  return template;
};

beforeAll(async () => {
  await loadResourceSpec();
}, 30_000);

describe('validateResourceProperties', () => {
  it('accepts a conforming template, intrinsics, numeric strings and AWS::NoValue branches', async () => {
    expect(await validateResourceProperties(base())).toEqual([]);
  });

  it('reports unknown properties at the top level and in nested property types, with a hint on case', async () => {
    const template = base();
    template.Resources.Stream!.Properties = {
      ...template.Resources.Stream!.Properties,
      Encrypted: true,
      StreamEncryption: { EncryptionType: 'KMS', KeyID: 'alias/aws/kinesis' },
    };
    expect(await validateResourceProperties(template)).toEqual([
      'Stream (AWS::Kinesis::Stream).StreamEncryption: unknown property KeyID (did you mean KeyId?)',
      'Stream (AWS::Kinesis::Stream).StreamEncryption: missing required property KeyId',
      'Stream (AWS::Kinesis::Stream): unknown property Encrypted',
    ]);
  });

  it('reports missing required properties, including ones an Fn::If may remove', async () => {
    const template = withResource('Role', {
      Type: 'AWS::IAM::Role',
      Properties: { Description: 'no trust policy' },
    });
    template.Resources.Logs!.Properties = {
      LogGroupName: { 'Fn::If': ['IsParquet', 'group', { Ref: 'AWS::NoValue' }] },
    };
    expect(await validateResourceProperties(template)).toEqual([
      'Logs (AWS::Logs::LogStream): required property LogGroupName is AWS::NoValue under some condition',
      'Role (AWS::IAM::Role): missing required property AssumeRolePolicyDocument',
    ]);
  });

  it('checks both branches of an Fn::If and the shape of values', async () => {
    const template = withResource('Bucket', {
      Type: 'AWS::S3::Bucket',
      Properties: {
        LifecycleConfiguration: { Rules: { Id: 'not-a-list', Status: 'Enabled' } },
        VersioningConfiguration: { 'Fn::If': ['IsParquet', { Status: 'Enabled' }, { Stauts: 'Suspended' }] },
        ObjectLockEnabled: 'yes',
      },
    });
    expect(await validateResourceProperties(template)).toEqual([
      'Bucket (AWS::S3::Bucket).LifecycleConfiguration.Rules: expected a list, got an object',
      'Bucket (AWS::S3::Bucket).VersioningConfiguration: unknown property Stauts',
      'Bucket (AWS::S3::Bucket).VersioningConfiguration: missing required property Status',
      'Bucket (AWS::S3::Bucket).ObjectLockEnabled: expected a boolean, got string "yes"',
    ]);
  });

  it('reports unknown resource types and resource attributes, and skips custom resources', async () => {
    const template = withResource('Typo', { Type: 'AWS::S3::Buckett', Properties: {} });
    template.Resources.Custom = { Type: 'Custom::Anything', Properties: { Whatever: 1 } };
    (template.Resources.Logs as unknown as Record<string, unknown>).DependOn = 'Stream';
    expect(await validateResourceProperties(template)).toEqual([
      'Logs (AWS::Logs::LogStream): unknown resource attribute DependOn',
      'Typo (AWS::S3::Buckett): unknown resource type',
    ]);
  });
});

describe('validateReferences', () => {
  it('accepts references to resources, pseudo parameters, attributes and conditions that exist', async () => {
    expect(await validateReferences(base())).toEqual([]);
  });

  it('reports dangling Ref, Fn::Sub, Fn::GetAtt, conditions and DependsOn', async () => {
    const template = withResource('Queue', {
      Type: 'AWS::SQS::Queue',
      Condition: 'IsJson',
      DependsOn: ['Stream', 'Missing'],
      Properties: {
        QueueName: { 'Fn::Sub': '${Stream}-${AWS::Region}-${Stream.Arnn}-${!literal}-${Nope}' },
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Gone', 'Arn'] } },
        Tags: [{ Key: 'k', Value: { 'Fn::If': ['IsOrc', 'a', 'b'] } }],
      },
    });
    expect(await validateReferences(template)).toEqual([
      'Queue (AWS::SQS::Queue): unknown condition IsJson',
      'Queue (AWS::SQS::Queue): DependsOn unknown resource Missing',
      expect.stringMatching(
        /^Queue \(AWS::SQS::Queue\): AWS::Kinesis::Stream has no attribute Arnn \(it has .*Arn/,
      ),
      'Queue (AWS::SQS::Queue): Ref to unknown Nope',
      'Queue (AWS::SQS::Queue): Fn::GetAtt on unknown resource Gone',
      'Queue (AWS::SQS::Queue): unknown condition IsOrc',
    ]);
  });
});
