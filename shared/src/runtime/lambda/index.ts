// `@pipeline/shared/runtime/lambda`: the Lambda wiring every deployed handler shares, the
// Powertools logger and the middy chain.
export * from './logger';
export * from './deployed-lambda';
