import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { countByReason } from '@pipeline/shared/runtime';
import { MetricsRecorder, RecordingMetrics } from '../../src/cloud/metrics';

describe('the local CloudWatch', () => {
  it('sums the EMF documents a handler publishes, single metrics and dimensions included', () => {
    const recorder = new MetricsRecorder();
    const metrics = new RecordingMetrics(recorder, 'ingest-transform');
    const log = jest.spyOn(console, 'log');

    for (let invocation = 0; invocation < 2; invocation += 1) {
      metrics.addMetric('RecordsOk', MetricUnit.Count, 10);
      for (const [reason, count] of [
        ['invalid_json', 2],
        ['oversized_record', 1],
      ] as const) {
        const single = metrics.singleMetric();
        single.addDimension('reason', reason);
        single.addMetric('RecordsFailed', MetricUnit.Count, count);
      }
      metrics.publishStoredMetrics();
    }

    expect(recorder.sum('ingest-transform', 'RecordsOk')).toBe(20);
    expect(recorder.byDimension('ingest-transform', 'RecordsFailed', 'reason')).toEqual({
      invalid_json: 4,
      oversized_record: 2,
    });
    expect(recorder.sum('ingest-transform', 'RecordsFailed', { reason: 'invalid_json' })).toBe(4);
    expect(recorder.sum('msk-consumer', 'RecordsOk')).toBe(0);
    // Nothing went to stdout: the metrics are the recorder's.
    expect(log).not.toHaveBeenCalled();
    log.mockRestore();
  });

  it('keeps one metric per dimension set: a by-reason count has a service total only when published under [service] too', () => {
    const recorder = new MetricsRecorder();
    const metrics = new RecordingMetrics(recorder, 'msk-consumer');
    const reasonOnly = metrics.singleMetric();
    reasonOnly.addDimension('reason', 'invalid_json');
    reasonOnly.addMetric('RecordsQuarantined', MetricUnit.Count, 2);
    expect(recorder.sum('msk-consumer', 'RecordsQuarantined')).toBe(0);

    countByReason(metrics, 'RecordsQuarantined', { invalid_json: 3, oversized_value: 1 });
    expect(recorder.sum('msk-consumer', 'RecordsQuarantined')).toBe(4);
    expect(recorder.byDimension('msk-consumer', 'RecordsQuarantined', 'reason')).toEqual({
      invalid_json: 5,
      oversized_value: 1,
    });
  });
});
