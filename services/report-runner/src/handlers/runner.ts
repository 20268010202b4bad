import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { createLogger, eventParser } from '@pipeline/shared';
import { createRunnerDependencies } from '../wiring';
import { createRunnerHandler, RunnerEventSchema } from './runner-handler';

export { createRunnerHandler } from './runner-handler';

const logger = createLogger();
const metrics = new Metrics();

/** The deployed entry point: AWS adapters, read from the environment once per container. */
export const handler = middy(createRunnerHandler({ ...createRunnerDependencies(), logger, metrics }))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }))
  .use(eventParser({ schema: RunnerEventSchema, logger }));
