import { Metrics } from '@aws-lambda-powertools/metrics';

type EmfOutput = ReturnType<Metrics['serializeMetrics']>;

/** The namespace every service publishes to (shared provider defaults). */
export const METRICS_NAMESPACE = 'IngestionPipeline';

/**
 * The local cloud's CloudWatch: it receives the Embedded Metric Format documents the handlers emit
 * (the same ones CloudWatch extracts metrics from in AWS) and keeps running sums per metric and
 * dimension set. The summary's counts by reason come from here, not from the simulators.
 *
 * As in CloudWatch, a metric exists once per dimension set of its directive and a query names the
 * exact dimensions of one of them: a count published only under [service, reason] has no total by
 * [service] (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html,
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Dimension).
 */
export class MetricsRecorder {
  readonly #sums = new Map<
    string,
    { service: string; name: string; dimensions: Record<string, string>; sum: number }
  >();

  record(emf: EmfOutput): void {
    for (const directive of emf._aws.CloudWatchMetrics) {
      for (const dimensionSet of directive.Dimensions) {
        const dimensions = Object.fromEntries(dimensionSet.map((name) => [name, String(emf[name])]));
        const { service = 'unknown', ...rest } = dimensions;
        for (const { Name } of directive.Metrics) {
          const raw = emf[Name];
          const values = Array.isArray(raw) ? (raw as number[]) : [Number(raw)];
          const key = JSON.stringify([service, Name, Object.entries(rest).sort()]);
          const entry = this.#sums.get(key) ?? { service, name: Name, dimensions: rest, sum: 0 };
          entry.sum += values.reduce((sum, value) => sum + value, 0);
          this.#sums.set(key, entry);
        }
      }
    }
  }

  /** The sum of a metric under exactly the dimensions `where` (besides `service`). */
  sum(service: string, name: string, where: Record<string, string> = {}): number {
    let total = 0;
    for (const entry of this.#sums.values()) {
      if (entry.service !== service || entry.name !== name) continue;
      const keys = Object.keys(entry.dimensions);
      if (keys.length !== Object.keys(where).length) continue;
      if (Object.entries(where).every(([key, value]) => entry.dimensions[key] === value)) total += entry.sum;
    }
    return total;
  }

  /** A metric's sums by the values of its one dimension besides `service` (e.g. `RecordsFailed` by `reason`). */
  byDimension(service: string, name: string, dimension: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const entry of this.#sums.values()) {
      const value = entry.dimensions[dimension];
      if (entry.service !== service || entry.name !== name || value === undefined) continue;
      if (Object.keys(entry.dimensions).length !== 1) continue;
      out[value] = (out[value] ?? 0) + entry.sum;
    }
    return out;
  }
}

/**
 * Powertools `Metrics` whose EMF output goes to a {@link MetricsRecorder} instead of stdout. The
 * handlers publish through it unchanged, single metrics included.
 */
export class RecordingMetrics extends Metrics {
  readonly #recorder: MetricsRecorder;
  readonly #serviceName: string;

  constructor(recorder: MetricsRecorder, serviceName: string, singleMetric = false) {
    super({ namespace: METRICS_NAMESPACE, serviceName, singleMetric });
    this.#recorder = recorder;
    this.#serviceName = serviceName;
  }

  override publishStoredMetrics(): this {
    try {
      if (this.hasStoredMetrics()) this.#recorder.record(this.serializeMetrics());
    } finally {
      this.clearMetrics();
      this.clearDimensions();
      this.clearMetadata();
    }
    return this;
  }

  override singleMetric(): Metrics {
    return new RecordingMetrics(this.#recorder, this.#serviceName, true);
  }
}
