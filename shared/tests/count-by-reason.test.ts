import { Metrics } from '@aws-lambda-powertools/metrics';
import { countByReason, type SingleMetricSource } from '../src/runtime';

/** Records each single metric as its dimensions and its one value, as EMF would emit them. */
const recordingMetrics = () => {
  const published: { dimensions: Record<string, string>; name: string; unit: string; value: number }[] = [];
  const metrics: SingleMetricSource = {
    singleMetric: () => {
      const dimensions: Record<string, string> = {};
      return {
        addDimension: (name, value) => (dimensions[name] = value),
        addDimensions: () => undefined,
        addMetric: (name, unit, value) => published.push({ dimensions, name, unit, value }),
      };
    },
  };
  return { metrics, published };
};

describe('countByReason', () => {
  it('publishes one count per reason, each under its own reason dimension', () => {
    const { metrics, published } = recordingMetrics();
    countByReason(metrics, 'RecordsDropped', { heartbeat: 3, duplicate: 1 });
    expect(published).toEqual([
      { dimensions: { reason: 'heartbeat' }, name: 'RecordsDropped', unit: 'Count', value: 3 },
      { dimensions: { reason: 'duplicate' }, name: 'RecordsDropped', unit: 'Count', value: 1 },
    ]);
  });

  it('publishes a reason without a count as zero and nothing for no reasons', () => {
    const { metrics, published } = recordingMetrics();
    countByReason(metrics, 'RecordsRejected', {});
    countByReason(metrics, 'RecordsRejected', { bad_json: undefined });
    expect(published).toEqual([
      { dimensions: { reason: 'bad_json' }, name: 'RecordsRejected', unit: 'Count', value: 0 },
    ]);
  });
});

/** Powertools `Metrics` keeping the EMF documents it would print. */
class CapturingMetrics extends Metrics {
  readonly documents: ReturnType<Metrics['serializeMetrics']>[];
  constructor(documents: ReturnType<Metrics['serializeMetrics']>[] = [], singleMetric = false) {
    super({ namespace: 'IngestionPipeline', serviceName: 'ingest-transform', singleMetric });
    this.documents = documents;
  }
  override publishStoredMetrics(): this {
    if (this.hasStoredMetrics()) this.documents.push(this.serializeMetrics());
    this.clearMetrics();
    return this;
  }
  override singleMetric(): Metrics {
    return new CapturingMetrics(this.documents, true);
  }
}

describe('countByReason with Powertools', () => {
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html:
  // CloudWatch extracts a metric once per dimension set of the directive. The [service] set makes
  // the per-service total (all reasons) a metric of its own, which alarms' metric math can divide.
  it('publishes each count under [service, reason] and under [service] alone', () => {
    const metrics = new CapturingMetrics();
    countByReason(metrics, 'RecordsFailed', { invalid_json: 2 });
    expect(metrics.documents).toHaveLength(1);
    const [document] = metrics.documents;
    expect(document?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service', 'reason'], ['service']]);
    expect(document).toMatchObject({ service: 'ingest-transform', reason: 'invalid_json', RecordsFailed: 2 });
  });
});
