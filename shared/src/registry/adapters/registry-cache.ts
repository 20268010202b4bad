import type { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { RegistryCache, type RegistrySource } from '../cache';
import type { RegistrySettings } from '../settings';
import { S3RegistrySource } from './registry-source';

/** Where a function reads the registry object it is configured with. */
export type RegistrySourceFactory = (settings: RegistrySettings) => RegistrySource;

/**
 * The registry source of a deployed function: the S3 object. The local stage and the local cloud
 * pass their own (a file in the local cloud's bucket folder, wired in `local/`).
 */
export const registrySourceFor: RegistrySourceFactory = (settings) =>
  new S3RegistrySource({ client: new S3Client({}), bucket: settings.bucket, key: settings.key });

export interface RegistryCacheWiring {
  /** Default: `registrySourceFor(settings)` (S3); the local stage and the local cloud pass a file. */
  source?: RegistrySource;
  /** Default: `Date.now`; the local cloud passes its simulated clock. */
  now?: () => number;
  /** What the function does while it has no copy at all, for the error log (e.g. "records are delivered un-enriched"). */
  withoutRegistry: string;
}

/**
 * A container's device registry cache: loaded at first use, then re-checked (a conditional GET on
 * its ETag) at most every refresh interval. Loads are logged with the object's ETag and size;
 * failures are logged as errors where they happen, with the object's location: a failed refresh
 * keeps the last good copy, and with no copy at all the function carries on as `withoutRegistry` says.
 */
export const createRegistryCache = (
  settings: RegistrySettings,
  logger: Logger,
  { source = registrySourceFor(settings), now, withoutRegistry }: RegistryCacheWiring,
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
          : `device registry could not be loaded: ${withoutRegistry}`,
        { bucket: settings.bucket, key: settings.key, etag, error: error as Error },
      ),
  });
