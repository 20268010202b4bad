import type { Metrics } from '@aws-lambda-powertools/metrics';

export interface MetricPoint {
  name: string;
  value: number;
  reason?: string;
}

/** A stand-in for Powertools `Metrics` that records what the handler publishes. */
export const recordingMetrics = (): {
  metrics: Metrics;
  points: MetricPoint[];
  total: (name: string) => number;
} => {
  const points: MetricPoint[] = [];
  const metrics = {
    addMetric: (name: string, _unit: string, value: number) => points.push({ name, value }),
    singleMetric: () => {
      let reason: string | undefined;
      return {
        addDimension: (_name: string, value: string) => {
          reason = value;
        },
        // The [service] dimension set of the total: the same value, not another count.
        addDimensions: () => undefined,
        addMetric: (name: string, _unit: string, value: number) =>
          points.push({ name, value, ...(reason ? { reason } : {}) }),
      };
    },
  };
  const total = (name: string) =>
    points.filter((point) => point.name === name).reduce((sum, point) => sum + point.value, 0);
  return { metrics: metrics as unknown as Metrics, points, total };
};
