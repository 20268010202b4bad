import type { Context } from 'aws-lambda';

/**
 * The one canonical Lambda `Context` for tests: a deployed function's values, with a remaining-time
 * clock that counts down from the timeout so time-budget logic can be exercised.
 */
export const lambdaContext = (
  functionName = 'ingest-transform-dev-transform',
  timeoutMs = 120_000,
): Context => {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/25/[$LATEST]2e5b6c1a9f0d4e3b8a7c6d5e4f3a2b1c',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
};
