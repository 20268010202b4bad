import { arn } from '@pipeline/shared/serverless';
import type { AWS } from 'osls';

/** One function of `functions:` as osls types it. */
export type FunctionConfig = NonNullable<AWS['functions']>[string];

/**
 * A schedule EventBridge cannot deliver (throttling, a missing permission) never reaches the
 * function's on-failure destination: dead-letter it on the target, into the same DLQ
 * (`resources.extensions` of the rule osls generates).
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html
 */
export const scheduleTargetWithDeadLetter = (targetId: string, functionLogicalId: string) => ({
  Properties: {
    Targets: [
      {
        Id: targetId,
        Arn: arn(functionLogicalId),
        RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 20 },
        DeadLetterConfig: { Arn: arn('DeadLetterQueue') },
      },
    ],
  },
});
