// `@pipeline/shared/runtime`: what a Lambda handler module needs at run time, and the local cloud
// with it: environment reading, the logger, metrics by reason, the event parser and the deployed
// middy chain.
export * from './env';
export * from './logger';
export * from './metrics';
export * from './parse-event';
export * from './deployed-lambda';
