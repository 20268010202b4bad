import { arn, secureBucket, stageParameterResource, tlsOnlyBucketPolicy } from '@pipeline/shared/serverless';

export const storageResources = {
  // The real-time tables without a warehouse: created in every configuration (an empty bucket
  // and Glue tables cost nothing), written only with warehouse=none.
  RealtimeBucket: secureBucket({ lifecycleRules: [] }),
  RealtimeBucketPolicy: tlsOnlyBucketPolicy('RealtimeBucket'),
  // For report-runner deployed on its own, which reads it at deploy time (compose passes the
  // RealtimeBucketArn output instead). shared/src/serverless/stage-parameters.ts
  RealtimeBucketArnParameter: stageParameterResource('realtimeBucketArn', arn('RealtimeBucket')),
};
