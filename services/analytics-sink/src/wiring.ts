import type { Logger } from '@aws-lambda-powertools/logger';
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { RegistryCache, type RegistryProvider, type RegistrySource } from '@pipeline/shared';
import { S3RegistrySource } from '@pipeline/shared/registry';
import { createPgConnection, createPgWarehouse, RedshiftDataWarehouse } from '@pipeline/shared/warehouse';
import { LogAlertPublisher } from './adapters/log-alert-publisher';
import { SnsAlertPublisher } from './adapters/sns-alert-publisher';
import type { AlertPublisher, SinkWarehouse } from './domain/flush-segment';
import type { RegistrySettings, SinkConfiguration } from './settings';

/**
 * The device registry, loaded once per container and re-checked (conditional GET on its ETag) at
 * most every refresh interval. A registry that cannot be read or parsed is logged loudly and the
 * last good copy stays in use; with no copy at all the configured thresholds apply. The local
 * cloud passes its bucket folder as the source and its simulated clock.
 */
export const createSinkRegistry = (
  settings: RegistrySettings,
  logger: Logger,
  {
    source = new S3RegistrySource({ client: new S3Client({}), bucket: settings.bucket, key: settings.key }),
    now,
  }: { source?: RegistrySource; now?: () => number } = {},
): RegistryProvider =>
  new RegistryCache({
    source,
    refreshIntervalMs: settings.refreshIntervalMs,
    ...(now ? { now } : {}),
    onError: (error, { hasCopy, etag }) =>
      logger.error(
        hasCopy
          ? 'device registry not refreshed: keeping the last good copy'
          : 'device registry unavailable: the configured alert thresholds apply to every device',
        { error: error as Error, bucket: settings.bucket, key: settings.key, ...(etag ? { etag } : {}) },
      ),
    onLoaded: ({ etag, devices, previousEtag }) =>
      logger.info('device registry loaded', { key: settings.key, etag, devices, previousEtag }),
  });

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
  ...(config.registry ? { registry: createSinkRegistry(config.registry, logger) } : {}),
});
