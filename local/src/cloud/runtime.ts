import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { parseEvent } from '@pipeline/shared/runtime';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import type { LambdaHandler } from '../aws/lambda/invoke';

/**
 * What each service's middy chain does around the bare handler in AWS: parse the event with the
 * deployed schema through the same `parseEvent` as the `eventParser` middleware (a malformed
 * event logs its schema issues and fails the invocation), attach the Lambda context to the
 * logger and clear the invocation's keys afterwards, and publish the metrics after every
 * invocation, failed or not. The simulators then invoke the result like Lambda would.
 */
export const lambdaRuntime =
  <TEvent, TResult>(
    bare: (event: TEvent, context: Context) => Promise<TResult>,
    { logger, metrics, schema }: { logger: Logger; metrics: Metrics; schema?: z.ZodType<TEvent> },
  ): LambdaHandler<unknown, TResult> =>
  async (event, context) => {
    logger.addContext(context);
    try {
      return await bare(schema ? parseEvent(schema, event, logger) : (event as TEvent), context);
    } finally {
      metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
