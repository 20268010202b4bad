import { ConfigurationError } from '@pipeline/shared/runtime';
import { METRIC_NAMES, type MetricName, type PartitionKeys } from '@pipeline/shared';
import type { QueryParameter } from './ports';

/** Anomaly bounds per metric: readings below `min` or above `max` are reported. */
export type AnomalyThresholds = Record<MetricName, { min: number; max: number }>;

/** Values a report may use as parameters, besides the partition. */
export interface ReportSettings {
  thresholds: AnomalyThresholds;
  /** A record is late when it reached the lake more than this many seconds after its event time. */
  lateAfterSeconds: number;
}

const thresholdParameter = (metric: MetricName, bound: 'min' | 'max') => `threshold_${metric}_${bound}`;

/** Every parameter name a report header may list, in a stable order. */
export const REPORT_PARAMETER_NAMES: readonly string[] = [
  'dt',
  'hour',
  'late_after_seconds',
  ...METRIC_NAMES.flatMap((metric) => [thresholdParameter(metric, 'min'), thresholdParameter(metric, 'max')]),
];

/** The value of every report parameter for one partition. */
export const parameterValues = (
  partition: PartitionKeys,
  settings: ReportSettings,
): Record<string, QueryParameter> => ({
  dt: partition.dt,
  hour: partition.hour,
  late_after_seconds: settings.lateAfterSeconds,
  ...Object.fromEntries(
    METRIC_NAMES.flatMap((metric) => [
      [thresholdParameter(metric, 'min'), settings.thresholds[metric].min],
      [thresholdParameter(metric, 'max'), settings.thresholds[metric].max],
    ]),
  ),
});

const DOUBLE_LITERAL = /^-?\d+(\.\d+)?(E[+-]?\d+)?$/;

/** A finite number as a SQL DOUBLE both Trino and DuckDB read back to the same value. */
const doubleLiteral = (value: number): string => {
  const text = String(value).toUpperCase();
  if (!Number.isFinite(value) || !DOUBLE_LITERAL.test(text))
    throw new ConfigurationError(`anomaly threshold ${value} is not a finite number`);
  return `CAST(${text} AS DOUBLE)`;
};

/**
 * The configured anomaly bounds as the relation report SQL joins as `anomaly_thresholds`
 * (`metric`, `low`, `high`), one row per metric. They are output columns of the anomalies report,
 * and Athena takes `?` parameters only in WHERE clauses ("Use parameterized queries", Athena user
 * guide, https://docs.aws.amazon.com/athena/latest/ug/querying-with-prepared-statements.html), so
 * they are written as numeric literals: from the service's configuration, checked to be finite
 * numbers, never from an event.
 */
export const anomalyThresholdsRelation = (thresholds: AnomalyThresholds): string =>
  `(${METRIC_NAMES.map(
    (metric) =>
      `SELECT '${metric}' AS metric, ${doubleLiteral(thresholds[metric].min)} AS low, ${doubleLiteral(thresholds[metric].max)} AS high`,
  ).join(' UNION ALL ')})`;
