import { sinkLambdaFromEnvironment } from './sink-lambda';

// The deployed entry: this module reads its environment at import. The bare handler
// (sink-handler.ts) and the chain (sink-lambda.ts) are the service's public surface (src/index.ts),
// for the local cloud and tests.

export const handler = sinkLambdaFromEnvironment();
