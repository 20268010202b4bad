import path from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { RegistryProvider } from '@pipeline/shared';
import { settingsFromEnvironment } from '@pipeline/analytics-sink/src/settings';
import { createSinkRegistry } from '@pipeline/analytics-sink/src/wiring';
import { FileRegistrySource } from '@pipeline/ingest-transform/src/adapters/file-registry-source';
import type { ManualClock } from '../aws/clock';
import { LOCAL_RESOURCES } from '../cloud/layout';

/**
 * analytics-sink's device registry in the local cloud (per-device alert thresholds): the object at
 * the function's `REGISTRY_KEY` in the local ingest bucket's folder, the one the transform enriches
 * from, refreshed on the simulated clock like a container refreshes it from S3. The local stage
 * names no bucket (`sls invoke local` has no S3); the local cloud has the folder.
 */
export const localSinkRegistry = (
  environment: NodeJS.ProcessEnv,
  root: string,
  logger: Logger,
  clock: ManualClock,
): RegistryProvider | undefined => {
  const { registry } = settingsFromEnvironment({
    ...environment,
    REGISTRY_BUCKET: LOCAL_RESOURCES.ingestBucket,
  });
  if (registry === undefined) return undefined;
  return createSinkRegistry(registry, logger, {
    source: new FileRegistrySource({ path: path.join(root, registry.bucket, ...registry.key.split('/')) }),
    now: () => clock.now(),
  });
};
