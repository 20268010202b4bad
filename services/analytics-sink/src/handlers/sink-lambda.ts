import { Metrics } from '@aws-lambda-powertools/metrics';
import { createLogger, deployedLambda } from '@pipeline/shared/runtime/lambda';
import { settingsFromEnvironment } from '../settings';
import { createSinkAdapters, type SinkWiring } from '../wiring';
import { createSinkHandler, type SinkDependencies } from './sink-handler';
import { WindowEventSchema } from './window-event';

/** The deployed handler: the bare one in the deployed middy chain, parsing the deployed schema. */
export const createSinkLambda = (dependencies: SinkDependencies) =>
  deployedLambda(createSinkHandler(dependencies), {
    logger: dependencies.logger,
    metrics: dependencies.metrics,
    schema: WindowEventSchema,
  });

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
