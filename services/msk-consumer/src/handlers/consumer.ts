import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { createLogger, eventParser } from '@pipeline/shared';
import { createPorts } from '../adapters/ports';
import { settingsFromEnvironment } from '../settings';
import { createConsumerHandler, MskEventSchema } from './consumer-handler';

// The bare handler lives in consumer-handler.ts, so the local cloud and tests can build it with
// their own ports without this module's environment.
export {
  createConsumerHandler,
  hubDeadline,
  MskEventSchema,
  type ConsumerDependencies,
  type MskEvent,
} from './consumer-handler';

const settings = settingsFromEnvironment();
const logger = createLogger();
const metrics = new Metrics();

export const handler = middy(
  createConsumerHandler({ settings: settings.consume, ...createPorts(settings), logger, metrics }),
)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }))
  .use(eventParser({ schema: MskEventSchema, logger }));
