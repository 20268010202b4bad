// msk-consumer's public surface (package.json `exports`): what the local cloud, benchmarks and other
// workspaces may use. Everything else under src/ is this service's own and may change freely.
export {
  createConsumerHandler,
  hubDeadline,
  MskEventSchema,
  type ConsumerDependencies,
  type MskEvent,
} from './handlers/consumer-handler';
export { createConsumerLambda } from './handlers/consumer-lambda';
export { settingsFromEnvironment, type ConsumerSettings } from './settings';
export { quarantineObjects, type ConsumeSettings } from './domain/plan-batch';
export type { HubRecord, HubWriter, HubWriteStats, Quarantine, QuarantinedRecord } from './domain/ports';
