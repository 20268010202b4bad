import { ConfigurationError, NONE, readEnvironment } from '@pipeline/shared/runtime';
import { registrySettingsFromEnvironment, type RegistrySettings } from '@pipeline/shared/registry';
import {
  pgConnectionSettings,
  type PgConnectionPolicy,
  type PgConnectionSettings,
  type RedshiftTarget,
} from '@pipeline/shared/warehouse/adapters';
import { z } from 'zod';
import { AlertRuleError, parseAlertRules } from './domain/alert-rules';
import { FINGERPRINT_CHARS } from './domain/dedup-memory';
import type { SinkSettings } from './domain/process-window';

/**
 * Lambda's tumbling-window state limit is "1 MB per shard"; read as 10^6 bytes to be safe.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html
 */
export const LAMBDA_STATE_LIMIT_BYTES = 1_000_000;

const positiveInt = z.coerce.number().int().positive();

export type WarehouseSettings =
  | { kind: 'redshift-serverless'; target: RedshiftTarget; deadlineMs: number }
  | ({ kind: 'postgres' } & PgConnectionSettings)
  /** No warehouse: the real-time tables are objects in this bucket (`adapters/lake-realtime-store.ts`). */
  | { kind: 'none'; bucket: string };

/** Where alerts go: the SNS topic, or the log (stage `local`, where there is no SNS). */
export type AlertTarget = { kind: 'sns'; topicArn: string } | { kind: 'log' };

export interface SinkConfiguration {
  sink: SinkSettings;
  warehouse: WarehouseSettings;
  alerts: AlertTarget;
  /** The device registry object (per-device thresholds), or none configured. */
  registry: RegistrySettings | undefined;
}

const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/** Reads the sink's configuration once, at cold start; a missing or bad value fails loudly. */
export const settingsFromEnvironment = (
  env: NodeJS.ProcessEnv = process.env,
  warehouseUrlPolicy: PgConnectionPolicy = {},
): SinkConfiguration => {
  const config = readEnvironment(
    {
      MAX_RECORD_BYTES: positiveInt,
      MAX_FUTURE_SKEW_SECONDS: positiveInt,
      MAX_EVENT_AGE_HOURS: positiveInt,
      ALERT_RULES: z.string(),
      ALERT_TARGET: z.union([
        z.literal('log'),
        z.string().regex(SNS_TOPIC_ARN, 'must be an SNS topic ARN or "log"'),
      ]),
      MAX_STATE_BYTES: positiveInt.max(LAMBDA_STATE_LIMIT_BYTES - 1),
      DEDUP_CAPACITY: positiveInt,
      WAREHOUSE: z.enum([NONE, 'redshift-serverless', 'postgres']),
      REALTIME_BUCKET: z.string().optional(),
      REDSHIFT_WORKGROUP: z.string().optional(),
      REDSHIFT_DATABASE: z.string().optional(),
      WAREHOUSE_DEADLINE_SECONDS: positiveInt,
      WAREHOUSE_URL: z.string().optional(),
      WAREHOUSE_URL_SECRET_ARN: z.string().optional(),
      STAGE: z.string().optional(),
    },
    env,
  );

  // The fingerprints alone must leave room for the aggregates, or every invocation would flush.
  if (config.DEDUP_CAPACITY * FINGERPRINT_CHARS > config.MAX_STATE_BYTES / 2) {
    throw new ConfigurationError(
      `Invalid environment: DEDUP_CAPACITY ${config.DEDUP_CAPACITY} needs ${config.DEDUP_CAPACITY * FINGERPRINT_CHARS} bytes, more than half of MAX_STATE_BYTES`,
    );
  }

  let rules;
  try {
    rules = parseAlertRules(config.ALERT_RULES === NONE ? '' : config.ALERT_RULES);
  } catch (error) {
    if (error instanceof AlertRuleError)
      throw new ConfigurationError(`Invalid environment: ALERT_RULES: ${error.message}`);
    throw error;
  }

  const need = (name: 'REDSHIFT_WORKGROUP' | 'REDSHIFT_DATABASE' | 'REALTIME_BUCKET'): string => {
    const value = config[name];
    if (!value || value === NONE)
      throw new ConfigurationError(
        `Invalid environment: ${name} is required with WAREHOUSE=${config.WAREHOUSE}`,
      );
    return value;
  };
  const warehouse: WarehouseSettings =
    config.WAREHOUSE === NONE
      ? { kind: 'none', bucket: need('REALTIME_BUCKET') }
      : config.WAREHOUSE === 'postgres'
        ? { kind: 'postgres', ...pgConnectionSettings(config, warehouseUrlPolicy) }
        : {
            kind: 'redshift-serverless',
            target: { workgroupName: need('REDSHIFT_WORKGROUP'), database: need('REDSHIFT_DATABASE') },
            deadlineMs: config.WAREHOUSE_DEADLINE_SECONDS * 1000,
          };

  return {
    sink: {
      maxRecordBytes: config.MAX_RECORD_BYTES,
      eventTime: {
        maxFutureSkewMs: config.MAX_FUTURE_SKEW_SECONDS * 1000,
        maxEventAgeMs: config.MAX_EVENT_AGE_HOURS * 3600 * 1000,
      },
      rules,
      maxStateBytes: config.MAX_STATE_BYTES,
      dedupCapacity: config.DEDUP_CAPACITY,
    },
    warehouse,
    alerts: config.ALERT_TARGET === 'log' ? { kind: 'log' } : { kind: 'sns', topicArn: config.ALERT_TARGET },
    registry: registrySettingsFromEnvironment(env),
  };
};
