import type { CfnResource } from '@pipeline/shared/serverless';

/**
 * The sink's enhanced fan-out consumer of the hub: dedicated read throughput per shard. Declared
 * here (not `consumer: true` on the event) so the role can name it.
 */
export const hubResources: Record<string, CfnResource> = {
  HubConsumer: {
    Type: 'AWS::Kinesis::StreamConsumer',
    Properties: { StreamARN: '${param:hubStreamArn}', ConsumerName: '${self:service}-${sls:stage}-sink' },
  },
};
