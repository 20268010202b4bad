import { countByReason, type SingleMetricSource } from '../src';

/** Records each single metric as its dimensions and its one value, as EMF would emit them. */
const recordingMetrics = () => {
  const published: { dimensions: Record<string, string>; name: string; unit: string; value: number }[] = [];
  const metrics: SingleMetricSource = {
    singleMetric: () => {
      const dimensions: Record<string, string> = {};
      return {
        addDimension: (name, value) => (dimensions[name] = value),
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
