import type { AWS } from 'osls';
import { ManualClock } from '../../src/aws/clock';
import { localLayout } from '../../src/cloud/layout';
import { loadServiceConfig } from '../../src/cloud/service-config';
import { num, wiringContext, type LocalCloudSettings } from '../../src/cloud/wiring/context';

const settings = (overrides: Partial<LocalCloudSettings> = {}): LocalCloudSettings => ({
  layout: localLayout('/tmp/wiring-context-test'),
  clock: new ManualClock(Date.UTC(2026, 2, 1)),
  format: 'parquet',
  ...overrides,
});

describe("each service's wiring reads the service's own serverless.ts on stage local", () => {
  it("gives a function its event source settings, the run's parameter overrides resolved in", async () => {
    const context = await wiringContext(
      settings({ params: { 'analytics-sink': { tumblingWindowSeconds: '120' } } }),
    );
    const stream = context.service('analytics-sink').event('sink', 'stream');
    expect(num(stream.tumblingWindowInSeconds, 'tumblingWindowSeconds')).toBe(120);
    expect(stream.functionResponseType).toBe('ReportBatchItemFailures');
    expect(context.params['analytics-sink'].tumblingWindowSeconds).toBe('120');
    const runnerQueue = context.service('report-runner').event('runner', 'sqs');
    expect(runnerQueue.functionResponseType).toBe('ReportBatchItemFailures');
  });

  it('gives a function its environment and timeout as the service deploys them', async () => {
    const context = await wiringContext(settings());
    const consumer = context.service('msk-consumer');
    const config = (await loadServiceConfig('msk-consumer')) as AWS;
    expect(consumer.timeoutSeconds('consumer')).toBe(
      Number(config.functions?.consumer?.timeout ?? config.provider.timeout),
    );
    expect(consumer.environment('consumer').HUB_STREAM_NAME).toEqual(expect.any(String));
  });

  it('names the function and the event type a wiring asks for and the service does not declare', async () => {
    const context = await wiringContext(settings());
    expect(() => context.service('analytics-sink').event('sink', 'sqs')).toThrow(
      /analytics-sink\.sink has no sqs event/,
    );
  });

  it("refuses an override the service's own parameter rules refuse, as sls package would", async () => {
    await expect(
      wiringContext(settings({ params: { 'analytics-sink': { tumblingWindowSeconds: '901' } } })),
    ).rejects.toThrow(/tumblingWindowSeconds/);
  });

  it('plans faults only when some are listed', async () => {
    expect((await wiringContext(settings())).faults).toBeUndefined();
    const faulty = await wiringContext(settings({ faults: { kinds: ['s3-write'], rate: 0.5, seed: 's' } }));
    expect(faulty.faults?.enabled('s3-write')).toBe(true);
    expect(faulty.faults?.enabled('hub-throttle')).toBe(false);
  });
});

describe('num', () => {
  it('reads a numeric setting and refuses one that is not a number, naming it', () => {
    expect(num('2000', 'batchSize')).toBe(2000);
    expect(() => num('${param:x}', 'batchSize')).toThrow('batchSize is not a number: ${param:x}');
  });
});
