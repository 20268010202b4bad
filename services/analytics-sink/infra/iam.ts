import { arn, assumedBy, followOwnStatements, ifThen, ref, sub } from '@pipeline/shared/serverless';
import { REALTIME_PREFIX, realtimeTablePrefix } from '../src/domain/realtime-lake';
import { ALERT_TABLE } from '../src/domain/realtime-tables';

export const roleResources = {
  SinkRole: {
    Type: 'AWS::IAM::Role',
    Properties: {
      Description:
        'analytics-sink: read the hub through its consumer and the device registry, write the warehouse, publish alerts',
      AssumeRolePolicyDocument: assumedBy('lambda.amazonaws.com'),
      Policies: [
        {
          PolicyName: 'sink',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'WriteOwnLogs',
                Effect: 'Allow',
                Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
                Resource: arn('SinkLogGroup'),
              },
              {
                // https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-create.html
                Sid: 'ReadHub',
                Effect: 'Allow',
                Action: [
                  'kinesis:DescribeStream',
                  'kinesis:DescribeStreamSummary',
                  'kinesis:GetRecords',
                  'kinesis:GetShardIterator',
                  'kinesis:ListShards',
                ],
                Resource: '${param:hubStreamArn}',
              },
              {
                Sid: 'SubscribeAsConsumer',
                Effect: 'Allow',
                Action: ['kinesis:SubscribeToShard', 'kinesis:DescribeStreamConsumer'],
                Resource: ref('HubConsumer'),
              },
              {
                Sid: 'ParkFailedBatches',
                Effect: 'Allow',
                Action: ['sqs:SendMessage'],
                Resource: arn('SinkFailureQueue'),
              },
              {
                Sid: 'PublishAlerts',
                Effect: 'Allow',
                Action: ['sns:Publish'],
                Resource: ref('AlertTopic'),
              },
              {
                // The registry object only (a conditional GET answers 304 with this alone). Without
                // s3:ListBucket a missing object reads as 403, which the sink logs as unavailable.
                Sid: 'ReadDeviceRegistry',
                Effect: 'Allow',
                Action: ['s3:GetObject'],
                Resource: '${param:ingestBucketArn}/${param:registryKey}',
              },
              ifThen('StoresInBucket', {
                Sid: 'WriteRealtimeTables',
                Effect: 'Allow',
                Action: ['s3:PutObject'],
                Resource: sub(`\${RealtimeBucket.Arn}/${REALTIME_PREFIX}*`),
              }),
              ifThen('StoresInBucket', {
                // HEAD of an alert's record: "already sent?" (s3:GetObject covers HEAD).
                Sid: 'ReadAlertRecords',
                Effect: 'Allow',
                Action: ['s3:GetObject'],
                Resource: sub(`\${RealtimeBucket.Arn}/${realtimeTablePrefix(ALERT_TABLE)}*`),
              }),
              ifThen('StoresInBucket', {
                // Without it S3 answers HEAD of a missing object with 403, not 404.
                // https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html
                Sid: 'ListAlertRecords',
                Effect: 'Allow',
                Action: ['s3:ListBucket'],
                Resource: arn('RealtimeBucket'),
                Condition: { StringLike: { 's3:prefix': [`${realtimeTablePrefix(ALERT_TABLE)}*`] } },
              }),
              ifThen('UsesRedshiftServerless', {
                Sid: 'RunWarehouseStatements',
                Effect: 'Allow',
                Action: ['redshift-data:ExecuteStatement', 'redshift-data:BatchExecuteStatement'],
                Resource: '${param:redshiftWorkgroupArn}',
              }),
              ifThen('UsesRedshiftServerless', {
                Sid: 'WarehouseCredentials',
                Effect: 'Allow',
                Action: ['redshift-serverless:GetCredentials'],
                Resource: '${param:redshiftWorkgroupArn}',
              }),
              ifThen('HasWarehouseUrlSecret', {
                Sid: 'ReadWarehouseUrlSecret',
                Effect: 'Allow',
                Action: ['secretsmanager:GetSecretValue'],
                Resource: '${param:warehouseUrlSecretArn}',
              }),
              ifThen('UsesRedshiftServerless', followOwnStatements),
            ],
          },
        },
      ],
    },
  },
};
