import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { createLogger, eventParser } from '@pipeline/shared';
import { settingsFromEnvironment } from '../settings';
import { createSinkAdapters } from '../wiring';
import { createSinkHandler } from './sink-handler';
import { WindowEventSchema } from './window-event';

// The bare handler lives in sink-handler.ts, so the local cloud and tests can build it with their
// own adapters without this module's environment.
export { createSinkHandler, type SinkDependencies } from './sink-handler';
export type { WindowEvent, WindowResponse } from './window-event';

const logger = createLogger();
const metrics = new Metrics();
const configuration = settingsFromEnvironment();

export const handler = middy(
  createSinkHandler({
    settings: configuration.sink,
    ...createSinkAdapters(configuration, logger),
    logger,
    metrics,
  }),
)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }))
  .use(eventParser({ schema: WindowEventSchema, logger }));
