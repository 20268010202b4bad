import path from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { RegistryProvider } from '@pipeline/shared';
import { FileRegistrySource } from '@pipeline/ingest-transform/src/adapters/file-registry-source';
import { createRegistryCache } from '@pipeline/ingest-transform/src/adapters/registry';
import { registrySettingsFromEnvironment } from '@pipeline/ingest-transform/src/settings';
import type { ManualClock } from '../aws/clock';

/**
 * The transform's device registry in the local cloud: the object at the function's `REGISTRY_KEY`
 * in its bucket's folder (where the run writes the fleet's registry, and `npm run registry --
 * upload --target local` writes yours), refreshed on the simulated clock like a Lambda container
 * refreshes it from S3. Undefined when the key is empty (no registry configured).
 */
export const localTransformRegistry = (
  environment: NodeJS.ProcessEnv,
  root: string,
  logger: Logger,
  clock: ManualClock,
): RegistryProvider | undefined => {
  const settings = registrySettingsFromEnvironment(environment);
  if (settings === undefined) return undefined;
  const file = path.join(root, settings.bucket, ...settings.key.split('/'));
  return createRegistryCache(settings, logger, {
    source: new FileRegistrySource({ path: file }),
    now: () => clock.now(),
  });
};
