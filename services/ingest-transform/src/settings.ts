import { ConfigurationError, FIREHOSE_LAMBDA_PAYLOAD_LIMIT_BYTES, readEnvironment } from '@pipeline/shared';
import { z } from 'zod';
import type { TransformSettings } from './domain/transform-batch';

const positiveInt = z.coerce.number().int().positive();

/** Where the device registry is and how often the transform checks it for a new version. */
export interface RegistrySettings {
  stage: string;
  bucket: string;
  key: string;
  refreshIntervalMs: number;
}

// Margin for the response's envelope and for JSON escaping we do not count record by record.
const RESPONSE_MARGIN_BYTES = 64 * 1024;

/** Reads the transform's configuration once, at cold start; a missing or bad value fails loudly. */
export const settingsFromEnvironment = (env: NodeJS.ProcessEnv = process.env): TransformSettings => {
  const config = readEnvironment(
    {
      MAX_RECORD_BYTES: positiveInt,
      MAX_FUTURE_SKEW_SECONDS: positiveInt,
      MAX_EVENT_AGE_HOURS: positiveInt,
    },
    env,
  );
  return {
    maxRecordBytes: config.MAX_RECORD_BYTES,
    eventTime: {
      maxFutureSkewMs: config.MAX_FUTURE_SKEW_SECONDS * 1000,
      maxEventAgeMs: config.MAX_EVENT_AGE_HOURS * 3600 * 1000,
    },
    responseLimitBytes: FIREHOSE_LAMBDA_PAYLOAD_LIMIT_BYTES - RESPONSE_MARGIN_BYTES,
  };
};

/**
 * The device registry's location, read once at cold start. An empty `REGISTRY_KEY` means "no
 * registry configured": the transform then never fetches one and flags every record
 * `registered = false` (the `undefined` answer).
 */
export const registrySettingsFromEnvironment = (
  env: NodeJS.ProcessEnv = process.env,
): RegistrySettings | undefined => {
  const config = readEnvironment(
    {
      STAGE: z.string().min(1),
      REGISTRY_BUCKET: z.string(),
      REGISTRY_KEY: z.string(),
      REGISTRY_REFRESH_SECONDS: positiveInt,
    },
    env,
  );
  if (config.REGISTRY_KEY === '') return undefined;
  if (config.REGISTRY_BUCKET === '')
    throw new ConfigurationError('Invalid environment: REGISTRY_BUCKET: required when REGISTRY_KEY is set');
  return {
    stage: config.STAGE,
    bucket: config.REGISTRY_BUCKET,
    key: config.REGISTRY_KEY,
    refreshIntervalMs: config.REGISTRY_REFRESH_SECONDS * 1000,
  };
};
