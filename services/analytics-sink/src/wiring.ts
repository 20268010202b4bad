import type { Logger } from '@aws-lambda-powertools/logger';
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { type RegistryProvider } from '@pipeline/shared/registry';
import { createRegistryCache, type RegistrySourceFactory } from '@pipeline/shared/registry/adapters';
import {
  createPgConnection,
  createPgWarehouse,
  RedshiftDataWarehouse,
  type PgConnectionPolicy,
} from '@pipeline/shared/warehouse/adapters';
import { LakeRealtimeStore } from './adapters/lake-realtime-store';
import { LogAlertPublisher } from './adapters/log-alert-publisher';
import { S3RealtimeObjects } from './adapters/s3-realtime-objects';
import { SnsAlertPublisher } from './adapters/sns-alert-publisher';
import type { AlertPublisher, RealtimeStoreDependency } from './domain/flush-segment';
import { WITHOUT_REGISTRY } from './handlers/sink-handler';
import type { SinkConfiguration, WarehouseSettings } from './settings';

const realtimeStoreFor = (settings: WarehouseSettings): RealtimeStoreDependency => {
  switch (settings.kind) {
    case 'none':
      return { store: new LakeRealtimeStore(new S3RealtimeObjects(new S3Client({}), settings.bucket)) };
    case 'postgres':
      // allowExitOnIdle: an idle pool must not keep `sls invoke local` (or a test) running.
      return {
        warehouse: createPgWarehouse(createPgConnection(settings), { max: 2, allowExitOnIdle: true }),
      };
    case 'redshift-serverless':
      return {
        warehouse: new RedshiftDataWarehouse({
          client: new RedshiftDataClient({}),
          target: settings.target,
          deadlineMs: settings.deadlineMs,
        }),
      };
  }
};

export interface SinkWiring {
  /** Where the registry object is read: S3 by default; a file on the local stage (wired in `local/`). */
  registrySource?: RegistrySourceFactory;
  /** Whether `WAREHOUSE_URL` may carry a password: refused by default; the local stage allows it. */
  warehouseUrlPolicy?: PgConnectionPolicy;
}

/** The one place where the sink's SDK clients and adapters are built (once per container). */
export const createSinkAdapters = (
  config: SinkConfiguration,
  logger: Logger,
  { registrySource }: SinkWiring = {},
): RealtimeStoreDependency & { publisher: AlertPublisher; registry?: RegistryProvider } => ({
  ...realtimeStoreFor(config.warehouse),
  publisher:
    config.alerts.kind === 'sns'
      ? new SnsAlertPublisher(new SNSClient({}), config.alerts.topicArn)
      : new LogAlertPublisher(logger),
  // The device registry, loaded once per container and re-checked at most every refresh interval.
  ...(config.registry
    ? {
        registry: createRegistryCache(config.registry, logger, {
          withoutRegistry: WITHOUT_REGISTRY,
          ...(registrySource ? { source: registrySource(config.registry) } : {}),
        }),
      }
    : {}),
});
