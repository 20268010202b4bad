import './environment';
import './verbose-logging';
import { lambdaContext } from '@pipeline/shared/testing';
import { MAX_REJECTIONS_LOGGED } from '../src/handlers/transform-handler';
import { handler } from '../src/handlers/transform';
import { loadEvent } from './events';

/** Structured log lines written during `run`, parsed. */
const captureLogs = async (run: () => Promise<unknown>): Promise<Record<string, unknown>[]> => {
  const lines: string[] = [];
  const spies = (['info', 'warn', 'log'] as const).map((level) =>
    jest.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(String(args[0]))),
  );
  try {
    await run();
  } finally {
    spies.forEach((spy) => spy.mockRestore());
  }
  return lines
    .filter((line) => line.startsWith('{') && !line.startsWith('{"_aws"'))
    .map((line) => JSON.parse(line));
};

describe('transform logging', () => {
  it('logs each rejected record with its reason and the invocation context', async () => {
    const event = loadEvent('firehose-bad-records');

    const logs = await captureLogs(() => handler(event, lambdaContext()));

    const rejected = logs.filter((entry) => entry.message === 'record rejected');
    expect(rejected).toHaveLength(event.records.length - 1);
    expect(rejected[0]).toMatchObject({
      level: 'WARN',
      reason: 'invalid_base64',
      recordId: event.records[0]!.recordId,
      invocationId: event.invocationId,
      function_request_id: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    });
    expect(logs.find((entry) => entry.message === 'batch transformed')).toMatchObject({
      records: event.records.length,
      ok: 1,
    });
  });

  it('logs at most MAX_REJECTIONS_LOGGED rejections one by one and sums up the rest by reason', async () => {
    const event = loadEvent('firehose-bad-records');
    const template = event.records[0]!;
    const count = MAX_REJECTIONS_LOGGED + 30;
    event.records = Array.from({ length: count }, (_, index) => ({
      ...template,
      recordId: `flood-${index}`,
      data: index % 2 === 0 ? '%%%not base64%%%' : Buffer.from('[1,2,3]').toString('base64'),
    }));

    const logs = await captureLogs(() => handler(event, lambdaContext()));

    expect(logs.filter((entry) => entry.message === 'record rejected')).toHaveLength(MAX_REJECTIONS_LOGGED);
    const summed = logs.filter((entry) => entry.message === 'records rejected, not logged one by one');
    expect(summed).toEqual([
      expect.objectContaining({
        level: 'WARN',
        count: 30,
        byReason: { invalid_base64: 15, not_an_object: 15 },
        firstRecordId: `flood-${MAX_REJECTIONS_LOGGED}`,
        lastRecordId: `flood-${count - 1}`,
      }),
    ]);
    expect(logs.find((entry) => entry.message === 'batch transformed')).toMatchObject({
      records: count,
      failed: { invalid_base64: count / 2, not_an_object: count / 2 },
    });
  });

  it('does not leak keys from one invocation into the next', async () => {
    await captureLogs(() => handler(loadEvent('firehose-kinesis-source'), lambdaContext()));
    const directPut = loadEvent('firehose-direct-put');

    const logs = await captureLogs(() => handler(directPut, lambdaContext()));

    expect(logs.length).toBeGreaterThan(0);
    for (const entry of logs) expect(entry.invocationId).toBe(directPut.invocationId);
  });
});
