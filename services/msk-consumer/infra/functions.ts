import { arn, ifThen } from '@pipeline/shared/serverless';
import type { AWS } from 'osls';

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

const split = (param: string) => ({ 'Fn::Split': [',', `\${param:${param}}`] });

export const functions: AWS['functions'] = {
  consumer: {
    handler: '${param:consumerHandler}',
    description:
      'MSK consumer: validates and normalises Kafka telemetry, forwards it to the hub, quarantines poison',
    role: 'ConsumerRole',
    environment: {
      HUB_STREAM_NAME: '${param:hubStreamName}',
      QUARANTINE_BUCKET: '${self:custom.quarantineBucket.${sls:stage}, self:custom.quarantineBucket.default}',
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
};

/** What osls's function and event source mapping lack: the VPC, and the mapping's real source. */
export const functionExtensions = {
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
};
