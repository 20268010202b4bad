import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { createLogger, eventParser, registrySettingsFromEnvironment } from '@pipeline/shared';
import { createRegistryCache } from '@pipeline/shared/registry';
import { transformQuarantineFor } from '../adapters/transform-quarantine';
import { quarantineFromEnvironment, settingsFromEnvironment } from '../settings';
import { createTransformHandler, FirehoseTransformEventSchema, WITHOUT_REGISTRY } from './transform-handler';

// The bare handler lives in transform-handler.ts, so the local cloud and tests can build it with
// their own settings without this module's environment.
export {
  createTransformHandler,
  FirehoseTransformEventSchema,
  type FirehoseTransformEvent,
  type TransformDependencies,
} from './transform-handler';

const logger = createLogger();
const metrics = new Metrics();
const registrySettings = registrySettingsFromEnvironment();
const quarantine = quarantineFromEnvironment();
if (registrySettings === undefined)
  logger.warn('no device registry configured (REGISTRY_KEY is none): records are flagged registered=false');

export const handler = middy(
  createTransformHandler({
    settings: settingsFromEnvironment(),
    logger,
    metrics,
    // One cache per container: the registry is loaded at the first batch, not per record.
    registry:
      registrySettings &&
      createRegistryCache(registrySettings, logger, { withoutRegistry: WITHOUT_REGISTRY }),
    quarantine: quarantine && transformQuarantineFor(quarantine),
  }),
)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }))
  .use(eventParser({ schema: FirehoseTransformEventSchema, logger }));
