import { IOT_QUARANTINE_PREFIX } from '@pipeline/shared';
import { arn, devicePolicy, ref, sub } from '@pipeline/shared/serverless';

/** IoT Core's way into the hub (with IotRuleEnabled): the devices' policy and the topic rule. */
export const iot = {
  // What a device certificate may do (npm run device -- register attaches it): README "Connecting a device".
  DevicePolicy: devicePolicy({ topicPrefix: '${param:iotTopicPrefix}', condition: 'IotRuleEnabled' }),
  IotTopicRule: {
    Type: 'AWS::IoT::TopicRule',
    Condition: 'IotRuleEnabled',
    Properties: {
      TopicRulePayload: {
        Description: 'Device telemetry published on <prefix>/<deviceId> into the Kinesis hub',
        AwsIotSqlVersion: '2016-03-23',
        RuleDisabled: false,
        Sql: "SELECT * FROM '${param:iotTopicPrefix}/+'",
        Actions: [
          {
            // The device id (second topic level) is the partition key: per-device order is kept per shard.
            Kinesis: {
              StreamName: ref('HubStream'),
              PartitionKey: sub('${!topic(2)}'),
              RoleArn: arn('IotRuleRole'),
            },
          },
        ],
        ErrorAction: {
          S3: {
            BucketName: ref('IngestBucket'),
            // Hour partitions, as the quarantine_iot table projects them; parse_time formats in
            // UTC unless given a zone (https://docs.aws.amazon.com/iot/latest/developerguide/iot-sql-functions.html#iot-function-parse-time).
            Key: sub(
              `${IOT_QUARANTINE_PREFIX}dt=\${!parse_time("yyyy-MM-dd", timestamp())}/hour=\${!parse_time("HH", timestamp())}/\${!newuuid()}.json`,
            ),
            RoleArn: arn('IotRuleRole'),
          },
        },
      },
    },
  },
};
