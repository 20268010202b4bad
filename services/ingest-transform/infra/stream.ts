import { ifThen } from '@pipeline/shared/serverless';

/** The Kinesis hub every source writes into and Firehose reads. */
export const hubStream = {
  HubStream: {
    Type: 'AWS::Kinesis::Stream',
    Properties: {
      Name: '${self:custom.hubStreamName}',
      StreamModeDetails: { StreamMode: '${param:streamMode}' },
      ShardCount: ifThen('IsProvisioned', '${param:shardCount}'),
      RetentionPeriodHours: '${param:streamRetentionHours}',
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
    },
  },
};
