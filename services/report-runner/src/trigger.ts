import { LAKE_PREFIX } from '@pipeline/shared';

// The runner's timeout, and the queue's visibility timeout at six times it, as AWS asks for SQS
// event sources: https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
export const RUNNER_TIMEOUT_SECONDS = 300;
export const QUEUE_VISIBILITY_TIMEOUT_SECONDS = 6 * RUNNER_TIMEOUT_SECONDS;

/**
 * The EventBridge pattern of the rule that queues the runner's work: new lake objects under `raw/`
 * in the ingest bucket (its name, or in the template a `Ref` to the parameter holding it). One
 * definition for the deployed rule (serverless.ts) and the local cloud.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html
 */
export const lakeObjectCreatedPattern = <Name>(ingestBucketName: Name) => ({
  source: ['aws.s3'],
  'detail-type': ['Object Created'],
  detail: {
    bucket: { name: [ingestBucketName] },
    object: { key: [{ prefix: LAKE_PREFIX.raw }] },
  },
});
