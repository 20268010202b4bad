import { KAFKA_QUARANTINE_PREFIX } from '@pipeline/shared';
import { allow, arn, assumedBy, ifThen, inlinePolicy, ref, sub } from '@pipeline/shared/serverless';

// IAM resources of MSK IAM access control are named after the cluster's name and UUID, which are
// the last two parts of the cluster ARN (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>):
// https://docs.aws.amazon.com/msk/latest/developerguide/kafka-actions.html
const clusterArnParts = {
  Prefix: { 'Fn::Select': [0, { 'Fn::Split': [':cluster/', '${param:mskClusterArn}'] }] },
  NameAndUuid: { 'Fn::Select': [1, { 'Fn::Split': [':cluster/', '${param:mskClusterArn}'] }] },
};
const mskResourceArn = (kind: 'topic' | 'group', name: string) =>
  sub(`\${Prefix}:${kind}/\${NameAndUuid}/${name}`, clusterArnParts);

export const iam = {
  ConsumerRole: {
    Type: 'AWS::IAM::Role',
    Properties: {
      Description:
        'msk-consumer: read the MSK topic, write the hub, quarantine poison, report failed batches',
      AssumeRolePolicyDocument: assumedBy('lambda.amazonaws.com', {
        Condition: { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') } },
      }),
      Policies: [
        inlinePolicy('consumer', [
          allow('WriteLogs', ['logs:CreateLogStream', 'logs:PutLogEvents'], arn('ConsumerLogGroup')),
          allow(
            'ForwardToHub',
            ['kinesis:PutRecords'],
            ifThen(
              'HasHubStreamArn',
              '${param:hubStreamArn}',
              sub(
                'arn:${AWS::Partition}:kinesis:${AWS::Region}:${AWS::AccountId}:stream/${param:hubStreamName}',
              ),
            ),
          ),
          allow('Quarantine', ['s3:PutObject'], sub(`\${QuarantineBucket.Arn}/${KAFKA_QUARANTINE_PREFIX}*`)),
          allow('ReportFailedBatches', ['sqs:SendMessage'], arn('OnFailureQueue')),
          // https://docs.aws.amazon.com/lambda/latest/dg/with-msk-permissions.html
          ifThen(
            'HasMskCluster',
            allow(
              'LocateCluster',
              ['kafka:DescribeClusterV2', 'kafka:GetBootstrapBrokers'],
              '${param:mskClusterArn}',
            ),
          ),
          ifThen(
            'UseIamAuth',
            allow(
              'ConnectToCluster',
              ['kafka-cluster:Connect', 'kafka-cluster:DescribeClusterDynamicConfiguration'],
              '${param:mskClusterArn}',
            ),
          ),
          ifThen(
            'UseIamAuth',
            allow(
              'ReadTopic',
              ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
              mskResourceArn('topic', '${param:mskTopic}'),
            ),
          ),
          ifThen(
            'UseIamAuth',
            allow(
              'CommitOffsets',
              ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
              mskResourceArn('group', '${param:mskConsumerGroupId}'),
            ),
          ),
          ifThen(
            'UseSaslScram',
            allow('ReadScramSecret', ['secretsmanager:GetSecretValue'], '${param:mskSaslScramSecretArn}'),
          ),
          // MSK requires SCRAM secrets to be encrypted with a customer managed key; only
          // Secrets Manager may use it on the function's behalf, and only for this secret.
          ifThen(
            'UseSaslScram',
            allow(
              'DecryptScramSecret',
              ['kms:Decrypt'],
              sub('arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*'),
              {
                Condition: {
                  StringEquals: {
                    'kms:ViaService': sub('secretsmanager.${AWS::Region}.amazonaws.com'),
                    'kms:EncryptionContext:SecretARN': '${param:mskSaslScramSecretArn}',
                  },
                },
              },
            ),
          ),
          // The mapping's pollers reach the brokers through network interfaces in the
          // cluster's subnets, created with this role. EC2 Describe* actions support no
          // resource-level permissions, and Lambda validates the set against "*", as the
          // AWSLambdaMSKExecutionRole and AWSLambdaVPCAccessExecutionRole policies grant it.
          ifThen(
            'HasMskCluster',
            allow(
              'ClusterNetworkInterfaces',
              [
                'ec2:CreateNetworkInterface',
                'ec2:DescribeNetworkInterfaces',
                'ec2:DescribeVpcs',
                'ec2:DeleteNetworkInterface',
                'ec2:DescribeSubnets',
                'ec2:DescribeSecurityGroups',
              ],
              '*',
            ),
          ),
          ifThen(
            'InVpc',
            allow(
              'FunctionNetworkInterfaces',
              [
                'ec2:CreateNetworkInterface',
                'ec2:DescribeNetworkInterfaces',
                'ec2:DescribeSubnets',
                'ec2:DeleteNetworkInterface',
                'ec2:AssignPrivateIpAddresses',
                'ec2:UnassignPrivateIpAddresses',
              ],
              '*',
            ),
          ),
        ]),
      ],
    },
  },
};
