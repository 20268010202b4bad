import { IOT_QUARANTINE_PREFIX, TRANSFORM_QUARANTINE_PREFIX } from '@pipeline/shared';
import { allow, arn, assumedBy, inlinePolicy, ref, sub } from '@pipeline/shared/serverless';

/** The transform function's own role (osls's IamRoleLambdaExecution) beyond its logs. */
export const transformStatements = [
  // Only the registry object: the transform reads nothing else from the bucket.
  allow('ReadDeviceRegistry', ['s3:GetObject'], sub('${IngestBucket.Arn}/${param:registryKey}')),
  // Its rejections with their reasons (src/adapters/transform-quarantine.ts).
  allow('KeepRejections', ['s3:PutObject'], sub(`\${IngestBucket.Arn}/${TRANSFORM_QUARANTINE_PREFIX}*`)),
];

const glueArn = (resource: string) =>
  sub(`arn:\${AWS::Partition}:glue:\${AWS::Region}:\${AWS::AccountId}:${resource}`);

export const firehoseRole = {
  FirehoseRole: {
    Type: 'AWS::IAM::Role',
    Properties: {
      Description: 'Firehose: read the hub, invoke the transform, read the Glue schema, write the lake',
      // The external id stops another account's Firehose from using this role (confused deputy).
      AssumeRolePolicyDocument: assumedBy('firehose.amazonaws.com', {
        Condition: { StringEquals: { 'sts:ExternalId': ref('AWS::AccountId') } },
      }),
      Policies: [
        inlinePolicy('delivery', [
          allow(
            'ReadHub',
            [
              'kinesis:DescribeStream',
              'kinesis:GetShardIterator',
              'kinesis:GetRecords',
              'kinesis:ListShards',
            ],
            arn('HubStream'),
          ),
          allow(
            'InvokeTransform',
            ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'],
            [arn('TransformLambdaFunction'), sub('${TransformLambdaFunction.Arn}:*')],
          ),
          allow(
            'ReadTableSchema',
            ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
            [
              glueArn('catalog'),
              glueArn('database/${GlueDatabase}'),
              glueArn('table/${GlueDatabase}/${GlueTable}'),
            ],
          ),
          allow(
            'LocateBucket',
            ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
            arn('IngestBucket'),
          ),
          allow(
            'WriteLake',
            ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
            [sub('${IngestBucket.Arn}/raw/*'), sub('${IngestBucket.Arn}/errors/*')],
          ),
          allow(
            'DeliveryLogs',
            ['logs:PutLogEvents'],
            sub(
              'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${DeliveryLogGroup}:log-stream:${DeliveryLogStream}',
            ),
          ),
        ]),
      ],
    },
  },
};

export const iotRuleRole = {
  IotRuleRole: {
    Type: 'AWS::IAM::Role',
    Condition: 'IotRuleEnabled',
    Properties: {
      Description: 'IoT Core rule: put device messages into the hub, park failures in the bucket',
      AssumeRolePolicyDocument: assumedBy('iot.amazonaws.com', {
        Condition: { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') } },
      }),
      Policies: [
        inlinePolicy('forward', [
          allow('PutIntoHub', ['kinesis:PutRecord'], arn('HubStream')),
          allow('ParkFailures', ['s3:PutObject'], sub(`\${IngestBucket.Arn}/${IOT_QUARANTINE_PREFIX}*`)),
        ]),
      ],
    },
  },
};
