import { dynamicReferenceProblems, publishedStageParameters, ssmGrants, type CfnTemplate } from '..';

const bucketName = '{{resolve:ssm:/pipeline/prod/ingest-bucket-name}}';
const withResources = (
  resources: CfnTemplate['Resources'],
  extra: Partial<CfnTemplate> = {},
): CfnTemplate => ({
  Resources: resources,
  ...extra,
});
const fn = (variables: Record<string, string>) => ({
  Type: 'AWS::Lambda::Function',
  Properties: { Environment: { Variables: variables } },
});

describe('dynamic references as CloudFormation treats them', () => {
  it('accepts references in resource properties to what the stage publishes', () => {
    expect(Object.keys(publishedStageParameters('prod'))).toEqual([
      '/pipeline/prod/ingest-bucket-name',
      '/pipeline/prod/ingest-bucket-arn',
      '/pipeline/prod/realtime-bucket-arn',
      '/pipeline/prod/alarm-topic-arn',
    ]);
    expect(dynamicReferenceProblems(withResources({ Runner: fn({ BUCKET: bucketName }) }), 'prod')).toEqual(
      [],
    );
  });

  it('refuses more than 60 references in one template', () => {
    const variables = Object.fromEntries(Array.from({ length: 61 }, (_, index) => [`V${index}`, bucketName]));
    expect(dynamicReferenceProblems(withResources({ Runner: fn(variables) }), 'prod')).toEqual([
      '61 dynamic references, more than 60',
    ]);
  });

  it('refuses a reference in Conditions, an unversioned one in Parameters, and one in an EventPattern', () => {
    const template = withResources(
      {
        Rule: {
          Type: 'AWS::Events::Rule',
          Properties: { EventPattern: { detail: { bucket: { name: [bucketName] } } } },
        },
      },
      {
        Conditions: { HasBucket: { 'Fn::Not': [{ 'Fn::Equals': [bucketName, 'none'] }] } },
        Parameters: { Bucket: { Type: 'String', Default: bucketName } },
      },
    );
    expect(dynamicReferenceProblems(template, 'prod')).toEqual([
      `Conditions holds ${bucketName}`,
      `Parameters hold ${bucketName} without a version`,
      'Rule.EventPattern holds a dynamic reference',
    ]);
  });

  it('fails an SSM-typed template parameter that names what no stack of the stage publishes', () => {
    const reading = (name: string) =>
      withResources(
        {},
        { Parameters: { Topic: { Type: 'AWS::SSM::Parameter::Value<String>', Default: name } } },
      );
    expect(dynamicReferenceProblems(reading('/pipeline/prod/alarm-topic-arn'), 'prod')).toEqual([]);
    expect(dynamicReferenceProblems(reading('/pipeline/prod/alarm-topic-arn'), 'dev')).toEqual([
      expect.stringContaining('SSM parameter /pipeline/prod/alarm-topic-arn does not exist'),
    ]);
  });

  it('fails a reference to a parameter no stack of the stage publishes (another stage), naming it', () => {
    expect(dynamicReferenceProblems(withResources({ Runner: fn({ BUCKET: bucketName }) }), 'dev')).toEqual([
      expect.stringContaining('SSM parameter /pipeline/prod/ingest-bucket-name does not exist'),
    ]);
  });

  it('lists the ssm: actions a template grants', () => {
    const role = {
      Type: 'AWS::IAM::Role',
      Properties: {
        Policies: [
          {
            PolicyName: 'p',
            PolicyDocument: {
              Statement: [{ Effect: 'Allow', Action: ['ssm:GetParameter', 's3:GetObject'], Resource: '*' }],
            },
          },
        ],
      },
    };
    expect(ssmGrants(withResources({ Role: role }))).toEqual(['ssm:GetParameter']);
  });
});
