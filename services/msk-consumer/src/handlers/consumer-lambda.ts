import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { eventParser } from '@pipeline/shared/runtime';
import { createConsumerHandler, MskEventSchema, type ConsumerDependencies } from './consumer-handler';

/**
 * The deployed handler: the bare one in the middy chain (the Lambda context on the logger, its keys
 * reset per invocation; metrics flushed with the cold-start metric; the event parsed with the
 * deployed schema). The ports are the caller's: the SDK-backed ones in AWS (`consumer.ts`), files
 * on the local stage (wired in `local/`, never bundled).
 */
export const createConsumerLambda = (dependencies: ConsumerDependencies) =>
  middy(createConsumerHandler(dependencies))
    .use(injectLambdaContext(dependencies.logger, { resetKeys: true }))
    .use(logMetrics(dependencies.metrics, { captureColdStartMetric: true }))
    .use(eventParser({ schema: MskEventSchema, logger: dependencies.logger }));
