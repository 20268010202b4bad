import { Metrics } from '@aws-lambda-powertools/metrics';
import { createLogger } from '@pipeline/shared';
import { createPorts } from '../adapters/ports';
import { settingsFromEnvironment } from '../settings';
import { createConsumerLambda } from './consumer-lambda';

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

export const handler = createConsumerLambda({
  settings: settings.consume,
  ...createPorts(settings),
  logger: createLogger(),
  metrics: new Metrics(),
});
