// `@pipeline/shared/runtime`: what a Lambda handler module needs at run time besides its Lambda
// wiring, and the local cloud with it: environment reading, metrics by reason and the event parser.
// No Powertools and no middy, so a pure domain and a stack definition may import it: the logger and
// the deployed middy chain are `@pipeline/shared/runtime/lambda`.
export * from './env';
export * from './metrics';
export * from './parse-event';
