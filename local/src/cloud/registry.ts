import type { Logger } from '@aws-lambda-powertools/logger';
import { registrySettingsFromEnvironment, type RegistryProvider } from '@pipeline/shared/registry';
import { createRegistryCache } from '@pipeline/shared/registry/adapters';
import { FileRegistrySource, localRegistryFile } from '../registry/file-registry-source';
import type { ManualClock } from '../aws/clock';

/**
 * A function's device registry in the local cloud (ingest-transform's enrichment, analytics-sink's
 * per-device thresholds): the object at the function's `REGISTRY_BUCKET`/`REGISTRY_KEY` in that
 * bucket's folder under `root` (where the run writes the fleet's registry, and `npm run registry --
 * upload --target local` writes yours), refreshed on the simulated clock like a Lambda container
 * refreshes it from S3. Undefined when the function's environment configures no registry.
 * `withoutRegistry` is the function's own account of what it does without one (its handler module's
 * `WITHOUT_REGISTRY`).
 */
export const localRegistry = (
  environment: NodeJS.ProcessEnv,
  root: string,
  logger: Logger,
  clock: ManualClock,
  withoutRegistry: string,
): RegistryProvider | undefined => {
  const settings = registrySettingsFromEnvironment(environment);
  if (settings === undefined) return undefined;
  return createRegistryCache(settings, logger, {
    source: new FileRegistrySource({ path: localRegistryFile(settings, root) }),
    now: () => clock.now(),
    withoutRegistry,
  });
};
