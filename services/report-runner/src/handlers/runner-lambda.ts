import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { eventParser } from '@pipeline/shared/runtime';
import { createRunnerHandler, RunnerEventSchema, type RunnerHandlerDependencies } from './runner-handler';

/**
 * The deployed handler: the bare one in the middy chain (the Lambda context on the logger, its keys
 * reset per invocation; metrics flushed with the cold-start metric; the event parsed with the
 * deployed schema). The dependencies are the caller's: AWS adapters (`runner.ts`), or DuckDB, a
 * folder and PGlite on the local stage (wired in `local/`, never bundled).
 */
export const createRunnerLambda = (dependencies: RunnerHandlerDependencies) =>
  middy(createRunnerHandler(dependencies))
    .use(injectLambdaContext(dependencies.logger, { resetKeys: true }))
    .use(logMetrics(dependencies.metrics, { captureColdStartMetric: true }))
    .use(eventParser({ schema: RunnerEventSchema, logger: dependencies.logger }));
