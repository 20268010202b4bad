import { NONE, readEnvironment } from '@pipeline/shared/runtime';
import { z } from 'zod';
import { TRANSFORM_RESPONSE_BUDGET_BYTES } from './domain/processor-buffer';
import type { TransformSettings } from './domain/transform-batch';

const positiveInt = z.coerce.number().int().positive();

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
    responseLimitBytes: TRANSFORM_RESPONSE_BUDGET_BYTES,
  };
};

/**
 * The bucket the transform keeps its rejections in (the ingest bucket, `errors/transform/`), read
 * once at cold start; `none` (unit tests of the deployed module only) keeps none.
 */
export const quarantineFromEnvironment = (
  env: NodeJS.ProcessEnv = process.env,
): { bucket: string } | undefined => {
  const { QUARANTINE_BUCKET } = readEnvironment({ QUARANTINE_BUCKET: z.string().min(1) }, env);
  return QUARANTINE_BUCKET === NONE ? undefined : { bucket: QUARANTINE_BUCKET };
};
