import { Metrics } from '@aws-lambda-powertools/metrics';
import { createLogger, deployedLambda } from '@pipeline/shared/runtime/lambda';
import { createBooksDependencies } from '../books';
import { createBooksHandler } from './books-handler';

const logger = createLogger();
const metrics = new Metrics();

/** The deployed entry point of the hourly books (EventBridge schedule), without the cold-start metric. */
export const handler = deployedLambda(createBooksHandler({ ...createBooksDependencies(), logger, metrics }), {
  logger,
  metrics,
  captureColdStartMetric: false,
});
