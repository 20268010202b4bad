import { encryptedQueue } from '@pipeline/shared/serverless';

export const queues = {
  // The mapping's on-failure destination: Lambda sends it the batch's metadata (topic,
  // partition, offsets) once it gives up retrying, so the records can be re-read from Kafka.
  OnFailureQueue: encryptedQueue(),
};
