import { z } from 'zod';
import { ConfigurationError, NONE, readEnvironment } from '../runtime/env';

/** Where the device registry object is, and how often a container checks it for a new version. */
export interface RegistrySettings {
  bucket: string;
  key: string;
  /** The object's ETag is checked at most this often. */
  refreshIntervalMs: number;
}

/**
 * The device registry's location, read once at cold start from `REGISTRY_BUCKET`,
 * `REGISTRY_KEY` and `REGISTRY_REFRESH_SECONDS`. Undefined means "no registry configured":
 * `REGISTRY_KEY=none` (the `registryKey` parameter) or `REGISTRY_BUCKET=none`; the caller then never
 * fetches one. An empty key, a key without a bucket, or a bad interval fails loudly.
 */
export const registrySettingsFromEnvironment = (
  env: NodeJS.ProcessEnv = process.env,
): RegistrySettings | undefined => {
  const config = readEnvironment(
    {
      REGISTRY_BUCKET: z.string(),
      REGISTRY_KEY: z.string(),
      REGISTRY_REFRESH_SECONDS: z.coerce.number().int().positive(),
    },
    env,
  );
  if (config.REGISTRY_KEY === NONE || config.REGISTRY_BUCKET === NONE) return undefined;
  if (config.REGISTRY_KEY === '')
    throw new ConfigurationError('Invalid environment: REGISTRY_KEY: empty; set it to none for no registry');
  if (config.REGISTRY_BUCKET === '')
    throw new ConfigurationError('Invalid environment: REGISTRY_BUCKET: required when REGISTRY_KEY is set');
  return {
    bucket: config.REGISTRY_BUCKET,
    key: config.REGISTRY_KEY,
    refreshIntervalMs: config.REGISTRY_REFRESH_SECONDS * 1000,
  };
};
