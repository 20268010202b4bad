import { ARN } from '../../src';
import {
  arnOf,
  fromStageParameter,
  orSsmReference,
  paramProblems,
  resolveDynamicReferences,
  ssmReferenceOf,
  STAGE_PARAMETERS,
  stageParameterName,
  stageParameterResource,
  templateParameterFor,
  UnresolvedDynamicReferenceError,
  type ParamContext,
} from '../../src/serverless';

const at = (params: Record<string, unknown>, stage = 'prod'): ParamContext => ({ params, stage });

describe('values a stack publishes for the other stacks of its stage (SSM Parameter Store)', () => {
  it('names each value /pipeline/<stage>/<key> and reads it with a dynamic reference', () => {
    expect(stageParameterName('ingestBucketName', 'prod')).toBe('/pipeline/prod/ingest-bucket-name');
    expect(fromStageParameter('realtimeBucketArn')).toBe(
      '{{resolve:ssm:/pipeline/${sls:stage}/realtime-bucket-arn}}',
    );
    expect(Object.values(STAGE_PARAMETERS).map(({ producer }) => producer)).toEqual([
      'ingest-transform',
      'ingest-transform',
      'analytics-sink',
      'ingest-transform',
    ]);
  });

  it('publishes a free Standard String parameter, the only types an ssm dynamic reference reads', () => {
    expect(stageParameterResource('ingestBucketArn', { 'Fn::GetAtt': ['IngestBucket', 'Arn'] })).toEqual({
      Type: 'AWS::SSM::Parameter',
      Properties: {
        Name: '/pipeline/${sls:stage}/ingest-bucket-arn',
        Type: 'String',
        Tier: 'Standard',
        Value: { 'Fn::GetAtt': ['IngestBucket', 'Arn'] },
        Description: expect.stringContaining('ingest-transform'),
      },
    });
  });

  it('recognises a well-formed ssm dynamic reference, with or without a version', () => {
    expect(ssmReferenceOf('{{resolve:ssm:/pipeline/prod/ingest-bucket-arn}}')).toEqual({
      name: '/pipeline/prod/ingest-bucket-arn',
    });
    expect(ssmReferenceOf('{{resolve:ssm:/pipeline/prod/ingest-bucket-arn:3}}')).toEqual({
      name: '/pipeline/prod/ingest-bucket-arn',
      version: 3,
    });
    // CloudFormation leaves a reference with spaces as literal text (cfn-lint W1053).
    for (const value of [
      '{{ resolve:ssm:/pipeline/prod/ingest-bucket-arn }}',
      '{{resolve:ssm:}}',
      '{{resolve:ssm-secure:/pipeline/prod/key}}',
      '{{resolve:ssm:/pipeline/prod/bucket\\}}',
      'arn:aws:s3:::{{resolve:ssm:/pipeline/prod/name}}',
    ])
      expect(ssmReferenceOf(value)).toBeUndefined();
  });

  it('lets an ARN rule accept the dynamic-reference default and still refuse a malformed value', () => {
    const bucketArn = orSsmReference(arnOf(ARN.s3Bucket));
    expect(bucketArn('{{resolve:ssm:/pipeline/prod/ingest-bucket-arn}}', at({}))).toBeUndefined();
    expect(bucketArn('arn:aws:s3:::pipeline-prod-ingest', at({}))).toBeUndefined();
    expect(bucketArn('{{ resolve:ssm:/pipeline/prod/ingest-bucket-arn }}', at({}))).toMatch(
      /^must be an S3 bucket ARN .*, or an ssm dynamic reference/,
    );
    // Elsewhere (a parameter a Condition compares) a dynamic reference stays refused.
    expect(arnOf(ARN.s3Bucket)('{{resolve:ssm:/pipeline/prod/ingest-bucket-arn}}', at({}))).toMatch(
      /^must be an S3 bucket ARN/,
    );
    expect(
      paramProblems({ ingestBucketArn: bucketArn }, at({ ingestBucketArn: 'pipeline-prod-ingest' })),
    ).toEqual([expect.objectContaining({ name: 'ingestBucketArn', value: 'pipeline-prod-ingest' })]);
  });

  describe('a value inside a JSON-typed property (an EventBridge EventPattern)', () => {
    it('enters the template as a parameter of type AWS::SSM::Parameter::Value<String> when it comes from the stage', () => {
      expect(templateParameterFor('{{resolve:ssm:/pipeline/prod/ingest-bucket-name}}', 'the bucket')).toEqual(
        {
          Type: 'AWS::SSM::Parameter::Value<String>',
          Default: '/pipeline/prod/ingest-bucket-name',
          Description: 'the bucket (from SSM Parameter Store)',
        },
      );
    });

    it('as a plain String parameter when it is given', () => {
      expect(templateParameterFor('pipeline-prod-ingest', 'the bucket')).toEqual({
        Type: 'String',
        Default: 'pipeline-prod-ingest',
        Description: 'the bucket',
      });
    });
  });

  describe('resolution at deploy time, as CloudFormation does it', () => {
    const store = { '/pipeline/prod/ingest-bucket-name': 'pipeline-prod-ingest' };

    it('replaces every reference, also inside a longer string such as an IAM resource ARN', () => {
      expect(
        resolveDynamicReferences(
          {
            Variables: { INGEST_BUCKET: '{{resolve:ssm:/pipeline/prod/ingest-bucket-name}}' },
            Resource: 'arn:aws:s3:::{{resolve:ssm:/pipeline/prod/ingest-bucket-name}}/raw/*',
          },
          store,
        ),
      ).toEqual({
        Variables: { INGEST_BUCKET: 'pipeline-prod-ingest' },
        Resource: 'arn:aws:s3:::pipeline-prod-ingest/raw/*',
      });
    });

    it('fails naming the parameter when the producing stack has not published it', () => {
      expect(() =>
        resolveDynamicReferences({ Value: '{{resolve:ssm:/pipeline/prod/realtime-bucket-arn}}' }, store),
      ).toThrow(UnresolvedDynamicReferenceError);
      expect(() =>
        resolveDynamicReferences({ Value: '{{resolve:ssm:/pipeline/prod/realtime-bucket-arn}}' }, store),
      ).toThrow(/\/pipeline\/prod\/realtime-bucket-arn/);
    });
  });
});
