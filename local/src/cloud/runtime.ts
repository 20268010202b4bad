import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type { LambdaHandler } from '../aws/lambda/invoke';

/** A schema the deployed handler parses its event with (Powertools parser middleware). */
interface EventSchema<T> {
  parse(input: unknown): T;
}

/**
 * What each service's middy chain does around the bare handler in AWS: parse the event with the
 * deployed schema (a malformed event fails the invocation), attach the Lambda context to the
 * logger and clear the invocation's keys afterwards, and publish the metrics after every
 * invocation, failed or not. The simulators then invoke the result like Lambda would.
 */
export const lambdaRuntime =
  <TEvent, TResult>(
    bare: (event: TEvent, context: Context) => Promise<TResult>,
    { logger, metrics, schema }: { logger: Logger; metrics: Metrics; schema?: EventSchema<TEvent> },
  ): LambdaHandler<unknown, TResult> =>
  async (event, context) => {
    logger.addContext(context);
    try {
      return await bare(schema ? schema.parse(event) : (event as TEvent), context);
    } finally {
      metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
