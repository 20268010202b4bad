// The sink's adapters (entry point `@pipeline/analytics-sink/adapters`) the local cloud injects.
export { LogAlertPublisher } from './log-alert-publisher';
