import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { createLogger } from '@pipeline/shared/runtime';
import { createBooksDependencies } from '../books';
import { createBooksHandler } from './books-handler';

const logger = createLogger();
const metrics = new Metrics();

/** The deployed entry point of the hourly books (EventBridge schedule). */
export const handler = middy(createBooksHandler({ ...createBooksDependencies(), logger, metrics }))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
