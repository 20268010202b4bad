import { Metrics } from '@aws-lambda-powertools/metrics';
import { createLogger } from '@pipeline/shared/runtime/lambda';
import { createPorts } from '../adapters/ports';
import { settingsFromEnvironment } from '../settings';
import { createConsumerLambda } from './consumer-lambda';

// The deployed entry: this module reads its environment at import. The bare handler
// (consumer-handler.ts) and the chain (consumer-lambda.ts) are the service's public surface
// (src/index.ts), for the local cloud and tests.
const settings = settingsFromEnvironment();

export const handler = createConsumerLambda({
  settings: settings.consume,
  ...createPorts(settings),
  logger: createLogger(),
  metrics: new Metrics(),
});
