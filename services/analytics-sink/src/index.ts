// analytics-sink's public surface (package.json `exports`): what the local cloud, the report-runner
// (which reads the real-time tables this service writes) and other workspaces may use. Everything
// else under src/ is this service's own and may change freely.
export { createSinkHandler, WITHOUT_REGISTRY, type SinkDependencies } from './handlers/sink-handler';
export { createSinkLambda, sinkLambdaFromEnvironment } from './handlers/sink-lambda';
export type { SinkWiring } from './wiring';
export { WindowEventSchema, type WindowEvent, type WindowResponse } from './handlers/window-event';
export { settingsFromEnvironment, type SinkConfiguration } from './settings';
export { alertKey, jsonLines, realtimeTablePrefix, windowPartKey } from './domain/realtime-lake';
export { ALERT_TABLE, WINDOW_PART_TABLE } from './domain/realtime-tables';
export { ensureRealtimeSchema, type AlertPublisher } from './domain/flush-segment';
