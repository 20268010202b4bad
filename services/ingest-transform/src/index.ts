// ingest-transform's public surface (package.json `exports`): what the local cloud, benchmarks and
// other workspaces may use. Everything else under src/ is this service's own and may change freely.
export {
  createTransformHandler,
  FirehoseTransformEventSchema,
  WITHOUT_REGISTRY,
  type FirehoseTransformEvent,
  type TransformDependencies,
} from './handlers/transform-handler';
export {
  createTransformLambda,
  transformLambdaFromEnvironment,
  type TransformWiring,
} from './handlers/transform-lambda';
export { settingsFromEnvironment } from './settings';
export { transformBatch, type FirehoseInputRecord, type TransformSettings } from './domain/transform-batch';
export {
  DEFAULT_PROCESSOR_BUFFER_SIZE_MB,
  processorBufferSizeProblem,
  SMALLEST_VALID_READING,
} from './domain/processor-buffer';
export { type TransformQuarantine } from './handlers/transform-handler';
export { transformQuarantineObjects } from './domain/quarantine-objects';
