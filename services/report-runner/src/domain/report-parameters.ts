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
