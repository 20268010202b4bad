import { transformLambdaFromEnvironment } from './transform-lambda';

// The bare handler lives in transform-handler.ts, so the local cloud and tests can build it with
// their own settings without this module's environment.
export {
  createTransformHandler,
  FirehoseTransformEventSchema,
  type FirehoseTransformEvent,
  type TransformDependencies,
} from './transform-handler';

export const handler = transformLambdaFromEnvironment();
