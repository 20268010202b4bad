import { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '@aws-lambda-powertools/logger';
import { RegistryCache, type RegistrySource } from '@pipeline/shared';
import { S3RegistrySource } from '@pipeline/shared/registry';
import type { RegistrySettings } from '../settings';
import { FileRegistrySource, localCloudDir } from './file-registry-source';

/**
 * The registry source for the deployment: the S3 object, or on the `local` stage (`sls invoke
 * local --stage local`) the same key in the local cloud's bucket folder, so it runs offline.
 */
export const registrySourceFor = (settings: RegistrySettings): RegistrySource =>
  settings.stage === 'local'
    ? new FileRegistrySource({ path: `${localCloudDir()}/${settings.bucket}/${settings.key}` })
    : new S3RegistrySource({ client: new S3Client({}), bucket: settings.bucket, key: settings.key });

/**
 * The container's registry cache (the local cloud passes its own source and simulated clock). Failures are logged as errors where they happen (with the
 * object's location); the handler logs once more per batch while it has no copy at all.
 */
export const createRegistryCache = (
  settings: RegistrySettings,
  logger: Logger,
  { source = registrySourceFor(settings), now }: { source?: RegistrySource; now?: () => number } = {},
): RegistryCache =>
  new RegistryCache({
    source,
    refreshIntervalMs: settings.refreshIntervalMs,
    ...(now ? { now } : {}),
    onLoaded: ({ etag, devices, previousEtag }) =>
      logger.info('device registry loaded', {
        bucket: settings.bucket,
        key: settings.key,
        etag,
        devices,
        previousEtag,
      }),
    onError: (error, { hasCopy, etag }) =>
      logger.error(
        hasCopy
          ? 'device registry could not be refreshed: keeping the last good copy'
          : 'device registry could not be loaded: records are delivered un-enriched',
        { bucket: settings.bucket, key: settings.key, etag, error: error as Error },
      ),
  });
