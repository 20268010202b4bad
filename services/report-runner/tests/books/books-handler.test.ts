import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { StageSources } from '@pipeline/shared/books';
import { createBooksHandler, UnsettledRangeError } from '../../src/handlers/books-handler';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const partition = { dt: '2026-12-06', hour: '09' };

/** A stage whose hour holds 100 device records: `lost` of them never reach the lake. */
const stage = (lost: number): { sources: StageSources; ranges: unknown[] } => {
  const ranges: unknown[] = [];
  const sums: Record<string, number> = {
    IncomingRecords: 100,
    'DataReadFromKinesisStream.Records': 100,
    'DeliveryToS3.Records': 100 - lost,
    RecordsOk: 100,
  };
  return {
    ranges,
    sources: {
      metrics: {
        sums: async (specs, range) => {
          ranges.push(range);
          return specs.map((spec) =>
            spec.dimensions.service === 'msk-consumer' ? 0 : (sums[spec.name] ?? 0),
          );
        },
        byDimension: async () => ({}),
      },
      lake: { count: async () => ({ devices: 100 - lost, kafka: 0, partitions: [partition] }) },
      quarantine: {
        count: async () => ({
          bySource: { devices: 0, kafka: 0 },
          batchFailures: { devices: {}, kafka: {} },
          formatConversionFailed: 0,
        }),
      },
      reports: { missing: async () => [] },
    },
  };
};

const handler = (sources: StageSources) => {
  const metrics = new Metrics({ namespace: 'IngestionPipeline', serviceName: 'report-runner' });
  const published = jest.spyOn(metrics, 'addMetric');
  const logger = new Logger({ serviceName: 'report-runner', logLevel: 'SILENT' });
  const books = createBooksHandler({
    sources,
    resources: { hubStreamName: 'prod-telemetry', deliveryStreamName: 'prod-lake' },
    tolerance: { edgeLagSeconds: 0, absolute: 0 },
    logger,
    metrics,
  });
  return { books, published };
};

describe('the hourly books function', () => {
  it('reconciles the hour before its scheduled time and publishes BooksDrift 0 when it balances', async () => {
    const { sources, ranges } = stage(0);
    const { books, published } = handler(sources);
    await expect(books({ time: '2026-12-06T10:35:00Z' })).resolves.toEqual({
      range: { from: '2026-12-06T09:00:00.000Z', to: '2026-12-06T10:00:00.000Z' },
      drift: 0,
      problems: [],
    });
    expect(ranges).toEqual([{ fromMs: Date.UTC(2026, 11, 6, 9), toMs: Date.UTC(2026, 11, 6, 10) }]);
    expect(published).toHaveBeenCalledWith('BooksDrift', 'Count', 0);
  });

  it('publishes the records a hop lost as BooksDrift and names the hop', async () => {
    const { books, published } = handler(stage(3).sources);
    const run = await books({ time: '2026-12-06T10:35:00Z' });
    expect(run.drift).toBe(3);
    expect(run.problems).toContain(
      'transform -> lake loses: lake rows 97, expected 100 (allowed difference 0)',
    );
    expect(published).toHaveBeenCalledWith('BooksDrift', 'Count', 3);
  });

  it('refuses an hour that has not settled rather than report a loss that is still in flight', async () => {
    const { books, published } = handler(stage(0).sources);
    await expect(books({ time: '2026-12-06T10:05:00Z' })).rejects.toThrow(UnsettledRangeError);
    expect(published).not.toHaveBeenCalled();
  });
});
