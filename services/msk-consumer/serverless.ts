import {
  alarm,
  alarmConditions,
  alarmParams,
  alarmTemplateParameters,
  arn,
  assumedBy,
  commonParams,
  deadLetterQueueAlarm,
  encryptedQueue,
  esbuildDefaults,
  functionAlarms,
  ifThen,
  NONE,
  providerDefaults,
  quarantineGlueTable,
  quarantineGlueView,
  ref,
  secureBucket,
  sub,
  tlsOnlyBucketPolicy,
  withStageConfigs,
} from '@pipeline/shared/serverless';
import { KAFKA_QUARANTINE_PREFIX, quarantineTable } from '@pipeline/shared';
import type { AWS } from 'osls';

const service = 'msk-consumer';
const isSet = (param: string) => ({ 'Fn::Not': [{ 'Fn::Equals': [`\${param:${param}}`, NONE] }] });
const split = (param: string) => ({ 'Fn::Split': [',', `\${param:${param}}`] });

/**
 * osls names an MSK mapping after its event's cluster and topic (`<Function>EventSourceMappingMSK
 * <cluster><topic>`), while `resources.extensions` can only address a fixed name. Both are
 * deployment params here, and the cluster may be absent, so the event carries these stand-ins and
 * the extension sets the real `EventSourceArn` and `Topics` on the mapping. The infrastructure test
 * proves the stand-ins never reach the template.
 */
const MSK_EVENT_STAND_IN = {
  arn: 'arn:aws:kafka:us-east-1:000000000000:cluster/Cluster/stand-in',
  topic: 'Topic',
};
const MSK_MAPPING = 'ConsumerEventSourceMappingMSKClusterTopic';

// IAM resources of MSK IAM access control are named after the cluster's name and UUID, which are
// the last two parts of the cluster ARN (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>):
// https://docs.aws.amazon.com/msk/latest/developerguide/kafka-actions.html
const clusterArnParts = {
  Prefix: { 'Fn::Select': [0, { 'Fn::Split': [':cluster/', '${param:mskClusterArn}'] }] },
  NameAndUuid: { 'Fn::Select': [1, { 'Fn::Split': [':cluster/', '${param:mskClusterArn}'] }] },
};
const mskResourceArn = (kind: 'topic' | 'group', name: string) =>
  sub(`\${Prefix}:${kind}/\${NameAndUuid}/${name}`, clusterArnParts);

const statement = (
  Sid: string,
  Action: string[],
  Resource: unknown,
  extra: Record<string, unknown> = {},
) => ({
  Sid,
  Effect: 'Allow',
  Action,
  Resource,
  ...extra,
});

const config: AWS = {
  service,
  frameworkVersion: '4',
  configValidationMode: 'error',
  plugins: ['serverless-esbuild'],
  // Defaults, then one set per stage file config/<stage>.yml (shared/src/serverless/stage-config.ts).
  params: withStageConfigs(service, {
    default: {
      ...commonParams,
      ...alarmParams,
      // Alarm when the mapping's consumer group is this many records behind the topic for 15 minutes.
      alarmOffsetLag: '100000',
      // The hub, passed by compose from ingest-transform's outputs. Without an ARN (none) the stack
      // assumes the hub lives in its own account and region under this name.
      hubStreamName: 'ingest-transform-${sls:stage}-telemetry',
      hubStreamArn: NONE,
      // none: no event source mapping (and no cluster permissions), so the stack deploys before
      // the cluster exists.
      mskClusterArn: NONE,
      mskTopic: 'telemetry',
      mskConsumerGroupId: '${self:service}-${sls:stage}',
      // https://docs.aws.amazon.com/lambda/latest/dg/with-msk-process.html: batch 1-10,000 (default
      // 100), window 0-300 s; 500 records fill one PutRecords request.
      mskBatchSize: '500',
      mskBatchingWindowSeconds: '1',
      mskStartingPosition: 'TRIM_HORIZON',
      mskEnabled: 'true',
      // none: IAM access control. A Secrets Manager secret ARN: SASL/SCRAM-512.
      mskSaslScramSecretArn: NONE,
      // ON_DEMAND or PROVISIONED event pollers; only provisioned mode takes the pollers and the
      // retry limit below.
      mskPollerMode: 'ON_DEMAND',
      mskMinimumPollers: '1',
      mskMaximumPollers: '2',
      mskMaximumRetryAttempts: '10',
      // Comma-separated; both none: the function runs outside any VPC (the mapping reaches the
      // cluster through the cluster's own subnets either way).
      vpcSubnetIds: NONE,
      vpcSecurityGroupIds: NONE,
      // Kafka values above a Kinesis record are quarantined; raise both with the hub's record size.
      maxValueBytes: '1048576',
      maxHubRecordBytes: '1048576',
      maxFutureSkewSeconds: '300',
      maxEventAgeHours: '168',
      quarantineRetentionDays: '30',
      // The lake's Glue database (ingest-transform's GlueDatabaseName): the Kafka quarantine table
      // and the view quarantine over every source's table go there.
      glueDatabaseName: 'pipeline_${sls:stage}',
      consumerHandler: 'src/handlers/consumer.handler',
      esbuildWorkFolder: '.esbuild',
    },
    // `sls invoke local --stage local`: the same handler with the hub and the quarantine as files
    // in the local cloud's folder, wired by the local cloud (local/ is never bundled for AWS). The
    // build goes two folders deeper so the entry from ../../local stays inside .esbuild/.
    local: {
      consumerHandler: '../../local/src/functions/msk-consumer.handler',
      esbuildWorkFolder: '.esbuild/local/work',
    },
  }),
  provider: providerDefaults(service),
  package: { individually: true },
  custom: {
    esbuild: { ...esbuildDefaults, outputWorkFolder: '${param:esbuildWorkFolder}' },
    // `sls invoke local` resolves a CloudFormation Ref through the AWS API; the local stage names
    // its quarantine folder instead, so it runs offline.
    quarantineBucket: { default: ref('QuarantineBucket'), local: '${self:service}-local-quarantine' },
    // Values the Conditions compare, as template parameters (resources.Parameters; alarms.ts).
    templateParameters: alarmTemplateParameters,
    // Fails package/deploy naming the parameter when a value would only fail in AWS (src/params.ts).
    checkedParams: '${file(../../shared/src/serverless/check-params.cjs)}',
  },
  functions: {
    consumer: {
      handler: '${param:consumerHandler}',
      description:
        'MSK consumer: validates and normalises Kafka telemetry, forwards it to the hub, quarantines poison',
      role: 'ConsumerRole',
      environment: {
        HUB_STREAM_NAME: '${param:hubStreamName}',
        QUARANTINE_BUCKET:
          '${self:custom.quarantineBucket.${sls:stage}, self:custom.quarantineBucket.default}',
        MAX_VALUE_BYTES: '${param:maxValueBytes}',
        MAX_HUB_RECORD_BYTES: '${param:maxHubRecordBytes}',
        MAX_FUTURE_SKEW_SECONDS: '${param:maxFutureSkewSeconds}',
        MAX_EVENT_AGE_HOURS: '${param:maxEventAgeHours}',
      },
      events: [
        {
          msk: {
            ...MSK_EVENT_STAND_IN,
            // Params are strings; osls validates and coerces them against its msk event schema.
            batchSize: '${param:mskBatchSize}' as unknown as number,
            maximumBatchingWindow: '${param:mskBatchingWindowSeconds}' as unknown as number,
            startingPosition: '${param:mskStartingPosition}' as 'TRIM_HORIZON',
            consumerGroupId: '${param:mskConsumerGroupId}',
            enabled: '${param:mskEnabled}' as unknown as boolean,
          },
        },
      ],
    },
  },
  resources: {
    Parameters: '${file(../../shared/src/serverless/template-parameters.cjs)}' as never,
    Conditions: {
      ...alarmConditions,
      HasMskCluster: isSet('mskClusterArn'),
      UseSaslScram: { 'Fn::And': [{ Condition: 'HasMskCluster' }, isSet('mskSaslScramSecretArn')] },
      UseIamAuth: {
        'Fn::And': [{ Condition: 'HasMskCluster' }, { 'Fn::Not': [{ Condition: 'UseSaslScram' }] }],
      },
      UseProvisionedPollers: {
        'Fn::And': [
          { Condition: 'HasMskCluster' },
          { 'Fn::Equals': ['${param:mskPollerMode}', 'PROVISIONED'] },
        ],
      },
      InVpc: { 'Fn::And': [isSet('vpcSubnetIds'), isSet('vpcSecurityGroupIds')] },
      HasHubStreamArn: isSet('hubStreamArn'),
    },
    Resources: {
      // The mapping's on-failure destination: Lambda sends it the batch's metadata (topic,
      // partition, offsets) once it gives up retrying, so the records can be re-read from Kafka.
      OnFailureQueue: encryptedQueue(),
      OnFailureQueueAlarm: deadLetterQueueAlarm(
        'OnFailureQueue',
        'msk-consumer gave up on Kafka batches: re-read them from the offsets in the messages',
        'msk-consumer-onfailurequeuealarm',
      ),
      // https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html: OffsetLag, for
      // Kafka event sources, is the difference in offset between the last record written to the
      // topic and the last record the function's consumer group processed, reported by the
      // function's FunctionName (https://aws.amazon.com/blogs/compute/offset-lag-metric-for-amazon-msk-as-an-event-source-for-lambda/).
      // A count of records, not a time: set alarmOffsetLag from the topic's normal volume.
      OffsetLagAlarm: {
        Condition: 'HasMskCluster',
        ...alarm({
          runbook: 'msk-consumer-offsetlagalarm',
          description: 'msk-consumer falls behind the Kafka topic: records wait in Kafka, not yet in the hub',
          namespace: 'AWS/Lambda',
          metricName: 'OffsetLag',
          dimensions: { FunctionName: ref('ConsumerLambdaFunction') },
          statistic: 'Maximum',
          comparison: 'GreaterThanThreshold',
          threshold: '${param:alarmOffsetLag}',
          evaluationPeriods: 3,
        }),
      },
      ...functionAlarms('Consumer', 'msk-consumer'),

      // Poison records with their original values (see src/adapters/s3-quarantine.ts for why S3).
      QuarantineBucket: secureBucket({
        lifecycleRules: [
          {
            Id: 'expire-quarantine',
            Status: 'Enabled',
            Prefix: KAFKA_QUARANTINE_PREFIX,
            ExpirationInDays: '${param:quarantineRetentionDays}',
          },
        ],
      }),
      QuarantineBucketPolicy: tlsOnlyBucketPolicy('QuarantineBucket'),
      // The quarantine by SQL (shared/src/contracts/quarantine.ts): this bucket's table, and the view
      // over it and ingest-transform's tables (this stack deploys after ingest-transform).
      QuarantineKafkaTable: quarantineGlueTable(quarantineTable('kafka'), {
        database: '${param:glueDatabaseName}',
        bucketLogicalId: 'QuarantineBucket',
      }),
      QuarantineView: quarantineGlueView({ database: '${param:glueDatabaseName}' }),

      ConsumerRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          Description:
            'msk-consumer: read the MSK topic, write the hub, quarantine poison, report failed batches',
          AssumeRolePolicyDocument: assumedBy('lambda.amazonaws.com', {
            Condition: { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') } },
          }),
          Policies: [
            {
              PolicyName: 'consumer',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  statement(
                    'WriteLogs',
                    ['logs:CreateLogStream', 'logs:PutLogEvents'],
                    arn('ConsumerLogGroup'),
                  ),
                  statement(
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
                  statement(
                    'Quarantine',
                    ['s3:PutObject'],
                    sub(`\${QuarantineBucket.Arn}/${KAFKA_QUARANTINE_PREFIX}*`),
                  ),
                  statement('ReportFailedBatches', ['sqs:SendMessage'], arn('OnFailureQueue')),
                  // https://docs.aws.amazon.com/lambda/latest/dg/with-msk-permissions.html
                  ifThen(
                    'HasMskCluster',
                    statement(
                      'LocateCluster',
                      ['kafka:DescribeClusterV2', 'kafka:GetBootstrapBrokers'],
                      '${param:mskClusterArn}',
                    ),
                  ),
                  ifThen(
                    'UseIamAuth',
                    statement(
                      'ConnectToCluster',
                      ['kafka-cluster:Connect', 'kafka-cluster:DescribeClusterDynamicConfiguration'],
                      '${param:mskClusterArn}',
                    ),
                  ),
                  ifThen(
                    'UseIamAuth',
                    statement(
                      'ReadTopic',
                      ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
                      mskResourceArn('topic', '${param:mskTopic}'),
                    ),
                  ),
                  ifThen(
                    'UseIamAuth',
                    statement(
                      'CommitOffsets',
                      ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
                      mskResourceArn('group', '${param:mskConsumerGroupId}'),
                    ),
                  ),
                  ifThen(
                    'UseSaslScram',
                    statement(
                      'ReadScramSecret',
                      ['secretsmanager:GetSecretValue'],
                      '${param:mskSaslScramSecretArn}',
                    ),
                  ),
                  // MSK requires SCRAM secrets to be encrypted with a customer managed key; only
                  // Secrets Manager may use it on the function's behalf, and only for this secret.
                  ifThen(
                    'UseSaslScram',
                    statement(
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
                    statement(
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
                    statement(
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
                ],
              },
            },
          ],
        },
      },
    },
    extensions: {
      ConsumerLambdaFunction: {
        Properties: {
          VpcConfig: ifThen('InVpc', {
            SubnetIds: split('vpcSubnetIds'),
            SecurityGroupIds: split('vpcSecurityGroupIds'),
          }),
        },
      },
      [MSK_MAPPING]: {
        // No cluster, no mapping: the stack deploys before the cluster exists.
        Condition: 'HasMskCluster',
        Properties: {
          EventSourceArn: '${param:mskClusterArn}',
          Topics: ['${param:mskTopic}'],
          DestinationConfig: { OnFailure: { Destination: arn('OnFailureQueue') } },
          SourceAccessConfigurations: ifThen('UseSaslScram', [
            { Type: 'SASL_SCRAM_512_AUTH', URI: '${param:mskSaslScramSecretArn}' },
          ]),
          // https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html: Kafka
          // mappings take retry limits in provisioned mode only; on demand, Lambda's default
          // retry policy decides when a failing batch goes to the on-failure destination.
          ProvisionedPollerConfig: ifThen('UseProvisionedPollers', {
            MinimumPollers: '${param:mskMinimumPollers}',
            MaximumPollers: '${param:mskMaximumPollers}',
          }),
          MaximumRetryAttempts: ifThen('UseProvisionedPollers', '${param:mskMaximumRetryAttempts}'),
        },
      },
    },
    Outputs: {
      ConsumerFunctionName: {
        Description: 'MSK consumer function',
        Value: ref('ConsumerLambdaFunction'),
      },
      OnFailureQueueArn: {
        Description: "The mapping's on-failure destination",
        Value: arn('OnFailureQueue'),
      },
      OnFailureQueueUrl: {
        Description: "The mapping's on-failure destination",
        Value: ref('OnFailureQueue'),
      },
      QuarantineBucketName: {
        Description: 'Poison records under errors/msk/',
        Value: ref('QuarantineBucket'),
      },
      // report-runner reads it for the quarantine report (serverless-compose.yml).
      QuarantineBucketArn: {
        Description: 'Poison records under errors/msk/',
        Value: arn('QuarantineBucket'),
      },
    },
  },
};

module.exports = config;
