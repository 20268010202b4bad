import { transformLambdaFromEnvironment } from './transform-lambda';

// The deployed entry: this module reads its environment at import. The bare handler
// (transform-handler.ts) and the chain (transform-lambda.ts) are the service's public surface
// (src/index.ts), for the local cloud and tests.

export const handler = transformLambdaFromEnvironment();
