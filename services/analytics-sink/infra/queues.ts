import { encryptedQueue } from '@pipeline/shared/serverless';

export const queueResources = {
  // Batches that exhausted their retries (or aged out): the message names the shard and the
  // sequence-number range, so the records can be re-read from the hub while it retains them.
  SinkFailureQueue: encryptedQueue({ QueueName: '${self:service}-${sls:stage}-sink-failures' }),
};
