import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { createLogger, eventParser } from '@pipeline/shared/runtime';
import { settingsFromEnvironment } from '../settings';
import { createSinkAdapters, type SinkWiring } from '../wiring';
import { createSinkHandler, type SinkDependencies } from './sink-handler';
import { WindowEventSchema } from './window-event';

/**
 * The deployed handler: the bare one in the middy chain (the Lambda context on the logger, its keys
 * reset per invocation; metrics flushed with the cold-start metric; the event parsed with the
 * deployed schema).
 */
export const createSinkLambda = (dependencies: SinkDependencies) =>
  middy(createSinkHandler(dependencies))
    .use(injectLambdaContext(dependencies.logger, { resetKeys: true }))
    .use(logMetrics(dependencies.metrics, { captureColdStartMetric: true }))
    .use(eventParser({ schema: WindowEventSchema, logger: dependencies.logger }));

/**
 * The function configured from its environment, once per container (at import of the handler
 * module), with its adapters built by `createSinkAdapters`.
 */
export const sinkLambdaFromEnvironment = (wiring: SinkWiring = {}) => {
  const logger = createLogger();
  const metrics = new Metrics();
  const configuration = settingsFromEnvironment(process.env, wiring.warehouseUrlPolicy);
  return createSinkLambda({
    settings: configuration.sink,
    ...createSinkAdapters(configuration, logger, wiring),
    logger,
    metrics,
  });
};
