/**
 * The part of Powertools' `Metrics` that {@link countByReason} uses, typed structurally so shared
 * needs no Powertools Metrics dependency; a Powertools `Metrics` instance fits it.
 */
export interface SingleMetricSource {
  singleMetric(): {
    addDimension(name: string, value: string): unknown;
    addDimensions(dimensions: Record<string, string>): unknown;
    addMetric(name: string, unit: 'Count', value: number): unknown;
  };
}

/**
 * Publishes `name` once per reason, each with its own `reason` dimension. Each count is a single
 * metric (its own EMF line) because the reasons must not share a dimension set with the
 * invocation's other metrics, nor with each other.
 *
 * Each line also carries the dimension set of the default dimensions alone (`[service]`):
 * CloudWatch extracts a metric once per dimension set of an EMF directive
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html),
 * so `name` by `service` is the total over every reason, which an alarm's metric math can use
 * without listing the reasons.
 */
export const countByReason = (
  metrics: SingleMetricSource,
  name: string,
  counts: Readonly<Record<string, number | undefined>>,
): void => {
  for (const [reason, count] of Object.entries(counts)) {
    const metric = metrics.singleMetric();
    metric.addDimension('reason', reason);
    metric.addDimensions({});
    metric.addMetric(name, 'Count', count ?? 0);
  }
};
