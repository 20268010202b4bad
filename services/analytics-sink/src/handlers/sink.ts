import { sinkLambdaFromEnvironment } from './sink-lambda';

// The bare handler lives in sink-handler.ts, so the local cloud and tests can build it with their
// own adapters without this module's environment.
export { createSinkHandler, type SinkDependencies } from './sink-handler';
export type { WindowEvent, WindowResponse } from './window-event';

export const handler = sinkLambdaFromEnvironment();
