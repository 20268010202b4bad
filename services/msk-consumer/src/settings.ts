import { readEnvironment } from '@pipeline/shared/runtime';
import { z } from 'zod';
import type { ConsumeSettings } from './domain/plan-batch';

const positiveInt = z.coerce.number().int().positive();

export interface ConsumerSettings {
  consume: ConsumeSettings;
  hubStreamName: string;
  quarantineBucket: string;
}

/** Reads the consumer's configuration once, at cold start; a missing or bad value fails loudly. */
export const settingsFromEnvironment = (env: NodeJS.ProcessEnv = process.env): ConsumerSettings => {
  const config = readEnvironment(
    {
      HUB_STREAM_NAME: z.string().min(1),
      QUARANTINE_BUCKET: z.string().min(1),
      MAX_VALUE_BYTES: positiveInt,
      MAX_HUB_RECORD_BYTES: positiveInt,
      MAX_FUTURE_SKEW_SECONDS: positiveInt,
      MAX_EVENT_AGE_HOURS: positiveInt,
    },
    env,
  );
  return {
    consume: {
      maxValueBytes: config.MAX_VALUE_BYTES,
      maxHubRecordBytes: config.MAX_HUB_RECORD_BYTES,
      eventTime: {
        maxFutureSkewMs: config.MAX_FUTURE_SKEW_SECONDS * 1000,
        maxEventAgeMs: config.MAX_EVENT_AGE_HOURS * 3600 * 1000,
      },
    },
    hubStreamName: config.HUB_STREAM_NAME,
    quarantineBucket: config.QUARANTINE_BUCKET,
  };
};
