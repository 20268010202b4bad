import type { Logger } from '@aws-lambda-powertools/logger';
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { SNSClient } from '@aws-sdk/client-sns';
import type { RegistryProvider } from '@pipeline/shared';
import { createRegistryCache } from '@pipeline/shared/registry';
import { createPgConnection, createPgWarehouse, RedshiftDataWarehouse } from '@pipeline/shared/warehouse';
import { LogAlertPublisher } from './adapters/log-alert-publisher';
import { SnsAlertPublisher } from './adapters/sns-alert-publisher';
import type { AlertPublisher, SinkWarehouse } from './domain/flush-segment';
import { WITHOUT_REGISTRY } from './handlers/sink-handler';
import type { SinkConfiguration } from './settings';

/** The one place where the sink's SDK clients and adapters are built (once per container). */
export const createSinkAdapters = (
  config: SinkConfiguration,
  logger: Logger,
): { warehouse: SinkWarehouse; publisher: AlertPublisher; registry?: RegistryProvider } => ({
  warehouse:
    config.warehouse.kind === 'postgres'
      ? // allowExitOnIdle: an idle pool must not keep `sls invoke local` (or a test) running.
        createPgWarehouse(createPgConnection(config.warehouse), { max: 2, allowExitOnIdle: true })
      : new RedshiftDataWarehouse({
          client: new RedshiftDataClient({}),
          target: config.warehouse.target,
          deadlineMs: config.warehouse.deadlineMs,
        }),
  publisher:
    config.alerts.kind === 'sns'
      ? new SnsAlertPublisher(new SNSClient({}), config.alerts.topicArn)
      : new LogAlertPublisher(logger),
  // The device registry, loaded once per container and re-checked at most every refresh interval.
  ...(config.registry
    ? { registry: createRegistryCache(config.registry, logger, { withoutRegistry: WITHOUT_REGISTRY }) }
    : {}),
});
