import {
  auditAlarmRunbooks,
  auditAlarms,
  auditBuckets,
  auditEncryptionAtRest,
  auditFailureDestinations,
  auditLogRetention,
  auditPartialBatchResponses,
  auditResourceWildcards,
  auditSecrets,
  auditWildcardActions,
  isUnscopedResource,
} from '../audit';
import type { CfnTemplate } from '../template';

// Every rule of the infrastructure audit must catch what it claims to: a stack that breaks each.
const role = (statements: unknown[]) => ({
  Type: 'AWS::IAM::Role',
  Properties: { Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: statements } }] },
});

const bad: CfnTemplate = {
  Resources: {
    Role: role([
      { Sid: 'All', Effect: 'Allow', Action: 's3:Get*', Resource: 'arn:aws:s3:::b/*' },
      { Sid: 'Any', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: '*' },
      {
        Sid: 'Kms',
        Effect: 'Allow',
        Action: ['kms:Decrypt'],
        Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*' },
      },
    ]),
    Bucket: {
      Type: 'AWS::S3::Bucket',
      Properties: { PublicAccessBlockConfiguration: { BlockPublicAcls: true } },
    },
    Stream: { Type: 'AWS::Kinesis::Stream', Properties: {} },
    Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
    Topic: { Type: 'AWS::SNS::Topic', Properties: {} },
    Delivery: {
      Type: 'AWS::KinesisFirehose::DeliveryStream',
      Properties: {
        DeliveryStreamType: 'KinesisStreamAsSource',
        KinesisStreamSourceConfiguration: { KinesisStreamARN: { 'Fn::GetAtt': ['Stream', 'Arn'] } },
        ExtendedS3DestinationConfiguration: { ProcessingConfiguration: { Enabled: true } },
      },
    },
    Fn: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        FunctionName: 'fn',
        Environment: { Variables: { WAREHOUSE_URL: 'postgres://admin:hunter2@db:5432/x', DB_PASSWORD: 'x' } },
      },
    },
    Logs: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: '/aws/lambda/other' } },
    Kinesis: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: { EventSourceArn: { 'Fn::GetAtt': ['Stream', 'Arn'] }, FunctionName: { Ref: 'Fn' } },
    },
    FromQueue: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: { EventSourceArn: { 'Fn::GetAtt': ['Queue', 'Arn'] }, FunctionName: { Ref: 'Fn' } },
    },
    Schedule: {
      Type: 'AWS::Events::Rule',
      Properties: { Targets: [{ Id: 'fn', Arn: { 'Fn::GetAtt': ['Fn', 'Arn'] } }] },
    },
    Permission: {
      Type: 'AWS::Lambda::Permission',
      Properties: { FunctionName: { Ref: 'Fn' }, Principal: 'events.amazonaws.com' },
    },
    Ns: { Type: 'AWS::RedshiftServerless::Namespace', Properties: { AdminUserPassword: 'literal' } },
  },
};

describe('the infrastructure audit', () => {
  it('finds wildcard actions', () => {
    expect(auditWildcardActions(bad)).toEqual(['wildcard-action: Role/All: s3:Get*']);
  });

  it('finds unscoped resources outside the allow-list and allow-listed ones without their conditions', () => {
    expect(auditResourceWildcards(bad)).toEqual([
      'resource-wildcard: Role/Any: sqs:SendMessage on an unscoped resource is not allow-listed',
      'resource-wildcard: Role/Kms: kms:Decrypt on an unscoped resource lacks condition kms:ViaService, kms:EncryptionContext:SecretARN',
    ]);
  });

  it('tells unscoped resources from prefixes below a named resource', () => {
    expect(['*', 'arn:aws:s3:::*', 'arn:aws:kms:us-east-1:1:key/*'].map(isUnscopedResource)).toEqual([
      true,
      true,
      true,
    ]);
    expect(
      [
        'arn:aws:s3:::bucket/raw/*',
        'arn:aws:logs:us-east-1:1:log-group:/aws/lambda/fn:*',
        { Ref: 'Queue' },
      ].map(isUnscopedResource),
    ).toEqual([false, false, false]);
  });

  it('finds resources without encryption at rest', () => {
    expect(auditEncryptionAtRest(bad).map((finding) => finding.split(':')[1]!.trim())).toEqual([
      'Bucket',
      'Stream',
      'Queue',
      'Topic',
      'Delivery',
    ]);
  });

  it('finds buckets open to the public or to plain HTTP', () => {
    expect(auditBuckets(bad)).toHaveLength(2);
  });

  it('finds asynchronous paths without a failure destination', () => {
    expect(auditFailureDestinations(bad)).toEqual([
      'failure-destination: Kinesis: kinesis mapping without an on-failure destination',
      'failure-destination: FromQueue: source queue has no DLQ',
      'failure-destination: Schedule: target fn without DeadLetterConfig',
      'failure-destination: Fn: invoked asynchronously without an on-failure destination or DLQ',
      'failure-destination: Delivery: delivery stream without an S3 ErrorOutputPrefix',
    ]);
  });

  it('finds stream and queue triggers without partial batch responses', () => {
    expect(auditPartialBatchResponses(bad)).toHaveLength(2);
  });

  it('finds log groups without retention and functions without a declared log group', () => {
    expect(auditLogRetention(bad)).toEqual([
      'log-retention: Logs: no RetentionInDays',
      'log-retention: Fn: its log group /aws/lambda/fn is not in the stack',
    ]);
  });

  it('finds missing iterator-age and Firehose alarms', () => {
    expect(auditAlarms(bad)).toEqual([
      'alarm: Stream: no AWS/Kinesis GetRecords.IteratorAgeMilliseconds alarm',
      'alarm: Fn: no AWS/Lambda IteratorAge alarm',
      'alarm: Delivery: no AWS/Firehose DeliveryToS3.DataFreshness alarm',
      'alarm: Delivery: no AWS/Firehose DeliveryToS3.Success alarm',
      'alarm: Delivery: no AWS/Firehose ExecuteProcessing.Success alarm',
      'alarm: Fn: no AWS/Lambda Errors alarm',
      'alarm: Fn: no AWS/Lambda Throttles alarm',
    ]);
  });

  it('lets only a topic CloudWatch alarms publish to go without a KMS key', () => {
    const alarmTopic: CfnTemplate = {
      Resources: {
        Topic: { Type: 'AWS::SNS::Topic', Properties: {} },
        TopicPolicy: {
          Type: 'AWS::SNS::TopicPolicy',
          Properties: {
            Topics: [{ Ref: 'Topic' }],
            PolicyDocument: {
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { Service: 'cloudwatch.amazonaws.com' },
                  Action: 'sns:Publish',
                  Resource: { Ref: 'Topic' },
                },
              ],
            },
          },
        },
      },
    };
    expect(auditEncryptionAtRest(alarmTopic)).toEqual([]);
  });

  describe('alarm runbooks', () => {
    const operations = [
      '## Runbooks',
      '### ingest-transform: HubIteratorAgeAlarm',
      '- **Means:** late.',
      '- **Look:** the hub.',
      '- **Act:** fix it.',
      '### function-errors',
      '- **Means:** errors.',
      '## Costs',
    ].join('\n');
    const withAlarm = (description: string): CfnTemplate => ({
      Resources: {
        Alarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { AlarmDescription: description } },
      },
    });

    it('accepts a description linking a runbook that says what, where to look and what to do', () => {
      expect(
        auditAlarmRunbooks(
          withAlarm('late (runbook: docs/OPERATIONS.md#ingest-transform-hubiteratoragealarm)'),
          operations,
        ),
      ).toEqual([]);
    });

    it('finds alarms without a runbook link, with an unknown anchor or an incomplete runbook', () => {
      expect(auditAlarmRunbooks(withAlarm('late'), operations)).toEqual([
        'runbook: Alarm: the description links no docs/OPERATIONS.md# section',
      ]);
      expect(auditAlarmRunbooks(withAlarm('x (runbook: docs/OPERATIONS.md#nowhere)'), operations)).toEqual([
        'runbook: Alarm: docs/OPERATIONS.md has no section #nowhere',
      ]);
      expect(
        auditAlarmRunbooks(withAlarm('x (runbook: docs/OPERATIONS.md#function-errors)'), operations),
      ).toEqual(['runbook: Alarm: section #function-errors lacks **Look:**, **Act:**']);
    });
  });

  it('finds credentials in plain configuration', () => {
    expect(auditSecrets(bad)).toEqual([
      'secret: Fn: WAREHOUSE_URL is a URL with a password',
      'secret: Fn: DB_PASSWORD holds a value, not a Secrets Manager ARN',
      'secret: Ns: Properties.AdminUserPassword is a literal password',
    ]);
  });
});
