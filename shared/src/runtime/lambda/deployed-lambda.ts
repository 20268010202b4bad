import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { eventParser } from '../parse-event';

export interface DeployedLambdaOptions {
  logger: Logger;
  metrics: Metrics;
  /** The schema the event is parsed with before the handler sees it (see {@link eventParser}). */
  schema?: z.ZodType;
  /** Publish Powertools' `ColdStart` metric at a container's first invocation. Default true. */
  captureColdStartMetric?: boolean;
}

/**
 * A bare handler in the middy chain every deployed function runs: the Lambda context on the logger
 * with its keys reset per invocation (nothing added in one invocation leaks into the next); the
 * metrics flushed after each invocation; then the event parsed with the function's schema, after
 * the context is on the logger so a rejection is logged with its request id.
 */
export const deployedLambda = <TEvent, TResult, TContext extends Context = Context>(
  handler: (event: TEvent, context: TContext) => Promise<TResult>,
  { logger, metrics, schema, captureColdStartMetric = true }: DeployedLambdaOptions,
) => {
  const chain = middy(handler)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric }));
  return schema ? chain.use(eventParser({ schema, logger })) : chain;
};
