import { ConfigurationError, NONE, readEnvironment } from '@pipeline/shared/runtime';
import { METRIC_NAMES, type MetricName } from '@pipeline/shared';
import {
  pgConnectionSettings,
  type PgConnectionSettings,
  type RedshiftTarget,
} from '@pipeline/shared/warehouse/adapters';
import { z } from 'zod';
import type { AnomalyThresholds, ReportSettings } from './domain/report-parameters';

const positiveInt = z.coerce.number().int().positive();
const finite = z.coerce.number().refine(Number.isFinite, 'must be a number');
const optional = z
  .string()
  .optional()
  .transform((value) => (value && value !== NONE ? value : undefined));

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The settings that do not depend on the engine: the same in AWS and in the local cloud. */
export interface RunnerOptions {
  /** Only objects of this bucket are accepted. */
  ingestBucket: string;
  report: ReportSettings;
  partitionConcurrency: number;
  reportConcurrency: number;
  /** The daily re-run covers the UTC day this many days back (1 = yesterday). */
  rerunDaysBack: number;
  /**
   * Whether the stage has the quarantine view (msk-consumer creates it, over its bucket and the
   * ingest bucket's error prefixes): without it the reports that read it are left out.
   */
  quarantineView: boolean;
}

/** Where report rows go, if anywhere. */
export type WarehouseSettings =
  | { kind: 'none' }
  | { kind: 'redshift'; target: RedshiftTarget; copyRoleArn: string }
  | ({ kind: 'postgres' } & PgConnectionSettings);

export interface RunnerSettings extends RunnerOptions {
  reportsBucket: string;
  athena: { workGroup: string; database: string; table: string; registryTable: string; deadlineMs: number };
  warehouse: WarehouseSettings;
  /**
   * Regenerate `dashboard/index.html` after each run: from the warehouse, or without one from the
   * report outputs and the real-time tables in `realtimeDatabase` (analytics-sink's Glue tables).
   */
  dashboard: boolean;
  realtimeDatabase?: string;
  /** The deployment stage, shown in the dashboard's title. */
  stage?: string;
}

const thresholdVariable = (metric: MetricName, bound: 'MIN' | 'MAX') =>
  `ANOMALY_${metric.toUpperCase()}_${bound}`;

/** Reads the engine-independent settings; a missing or bad value fails loudly. */
export const runnerOptionsFromEnvironment = (env: NodeJS.ProcessEnv = process.env): RunnerOptions => {
  const config = readEnvironment(
    {
      INGEST_BUCKET: z.string().min(3),
      LATE_AFTER_SECONDS: positiveInt,
      PARTITION_CONCURRENCY: positiveInt,
      REPORT_CONCURRENCY: positiveInt,
      RERUN_DAYS_BACK: positiveInt,
      // msk-consumer's quarantine bucket ARN, or none when the stage has no msk-consumer.
      KAFKA_QUARANTINE_BUCKET_ARN: z.string().min(1),
    },
    env,
  );
  // One pair of variables per metric of the shared METRICS: a new metric needs its thresholds.
  const bounds: Record<string, number> = readEnvironment(
    Object.fromEntries(
      METRIC_NAMES.flatMap((metric) => [
        thresholdVariable(metric, 'MIN'),
        thresholdVariable(metric, 'MAX'),
      ]).map((name) => [name, finite]),
    ),
    env,
  );
  const thresholds = Object.fromEntries(
    METRIC_NAMES.map((metric) => {
      const min = bounds[thresholdVariable(metric, 'MIN')] ?? Number.NaN;
      const max = bounds[thresholdVariable(metric, 'MAX')] ?? Number.NaN;
      if (!(min < max)) {
        throw new ConfigurationError(
          `Invalid environment: ${thresholdVariable(metric, 'MIN')} must be below ${thresholdVariable(metric, 'MAX')}`,
        );
      }
      return [metric, { min, max }];
    }),
  ) as AnomalyThresholds;
  return {
    ingestBucket: config.INGEST_BUCKET,
    report: { thresholds, lateAfterSeconds: config.LATE_AFTER_SECONDS },
    partitionConcurrency: config.PARTITION_CONCURRENCY,
    reportConcurrency: config.REPORT_CONCURRENCY,
    rerunDaysBack: config.RERUN_DAYS_BACK,
    quarantineView: config.KAFKA_QUARANTINE_BUCKET_ARN !== NONE,
  };
};

/** Reads the runner's AWS configuration once, at cold start; a missing or bad value fails loudly. */
export const settingsFromEnvironment = (env: NodeJS.ProcessEnv = process.env): RunnerSettings => {
  const options = runnerOptionsFromEnvironment(env);
  const config = readEnvironment(
    {
      REPORTS_BUCKET: z.string().min(3),
      ATHENA_WORKGROUP: z.string().min(1),
      GLUE_DATABASE: z.string().regex(IDENTIFIER),
      GLUE_TABLE: z.string().regex(IDENTIFIER),
      GLUE_REGISTRY_TABLE: z.string().regex(IDENTIFIER),
      QUERY_DEADLINE_SECONDS: positiveInt,
      WAREHOUSE: z.enum(['none', 'redshift-serverless', 'redshift-cluster', 'postgres']),
      REDSHIFT_WORKGROUP: optional,
      REDSHIFT_CLUSTER: optional,
      REDSHIFT_DATABASE: optional,
      REDSHIFT_DB_USER: optional,
      REDSHIFT_SECRET_ARN: optional,
      REDSHIFT_COPY_ROLE_ARN: optional,
      WAREHOUSE_URL: optional,
      WAREHOUSE_URL_SECRET_ARN: optional,
      DASHBOARD: z.enum(['enabled', 'disabled']).default('enabled'),
      REALTIME_GLUE_DATABASE: z.string().regex(IDENTIFIER).optional(),
      STAGE: optional,
    },
    env,
  );

  const need = (name: keyof typeof config): string => {
    const value = config[name];
    if (typeof value !== 'string' || value === '') {
      throw new ConfigurationError(
        `Invalid environment: ${name} is required with WAREHOUSE=${config.WAREHOUSE}`,
      );
    }
    return value;
  };
  const warehouse = ((): WarehouseSettings => {
    switch (config.WAREHOUSE) {
      case 'none':
        return { kind: 'none' };
      case 'postgres':
        return { kind: 'postgres', ...pgConnectionSettings(config) };
      case 'redshift-serverless':
        return {
          kind: 'redshift',
          target: { workgroupName: need('REDSHIFT_WORKGROUP'), database: need('REDSHIFT_DATABASE') },
          copyRoleArn: need('REDSHIFT_COPY_ROLE_ARN'),
        };
      case 'redshift-cluster':
        return {
          kind: 'redshift',
          target: {
            clusterIdentifier: need('REDSHIFT_CLUSTER'),
            database: need('REDSHIFT_DATABASE'),
            ...(config.REDSHIFT_DB_USER ? { dbUser: config.REDSHIFT_DB_USER } : {}),
            ...(config.REDSHIFT_SECRET_ARN ? { secretArn: config.REDSHIFT_SECRET_ARN } : {}),
          },
          copyRoleArn: need('REDSHIFT_COPY_ROLE_ARN'),
        };
    }
  })();

  return {
    ...options,
    reportsBucket: config.REPORTS_BUCKET,
    athena: {
      workGroup: config.ATHENA_WORKGROUP,
      database: config.GLUE_DATABASE,
      table: config.GLUE_TABLE,
      registryTable: config.GLUE_REGISTRY_TABLE,
      deadlineMs: config.QUERY_DEADLINE_SECONDS * 1000,
    },
    warehouse,
    dashboard: config.DASHBOARD === 'enabled',
    ...(config.DASHBOARD === 'enabled' && warehouse.kind === 'none'
      ? { realtimeDatabase: need('REALTIME_GLUE_DATABASE') }
      : {}),
    ...(config.STAGE ? { stage: config.STAGE } : {}),
  };
};
