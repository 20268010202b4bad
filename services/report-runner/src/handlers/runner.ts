import { Metrics } from '@aws-lambda-powertools/metrics';
import { createLogger } from '@pipeline/shared/runtime/lambda';
import { createRunnerDependencies } from '../wiring';
import { createRunnerLambda } from './runner-lambda';

/** The deployed entry point: AWS adapters, read from the environment once per container. */
export const handler = createRunnerLambda({
  ...createRunnerDependencies(),
  logger: createLogger(),
  metrics: new Metrics(),
});
