import { KinesisDataStreamSchema } from '@aws-lambda-powertools/parser/schemas/kinesis';
import { KinesisStream } from '../../src/aws/kinesis/KinesisStream';
import type { KinesisBatchFailure } from '../../src/aws/kinesis/kinesis-batch-failure';
import type { KinesisTumblingWindowEvent } from '../../src/aws/kinesis/tumbling-window-event';
import {
  TumblingWindowEventSourceMapping,
  type TumblingWindowMappingOptions,
} from '../../src/aws/kinesis/TumblingWindowEventSourceMapping';
import { bytes, clockAt, T0 } from './support';

const setup = (options: Partial<TumblingWindowMappingOptions> = {}) => {
  const clock = clockAt();
  const stream = new KinesisStream({ name: 'pipeline-dev-telemetry', shardCount: 1, clock });
  const events: KinesisTumblingWindowEvent[] = [];
  const handler =
    options.handler ??
    (async (event: KinesisTumblingWindowEvent) => {
      events.push(event);
      const count = Number(event.state.count ?? 0) + event.Records.length;
      return { state: { count } };
    });
  const esm = new TumblingWindowEventSourceMapping({
    stream,
    clock,
    functionName: 'analytics-sink-dev-aggregate',
    tumblingWindowInSeconds: 60,
    ...options,
    handler: async (event, context) => {
      if (options.handler) events.push(structuredClone(event));
      return handler(event, context);
    },
  });
  const put = async (...values: string[]) => {
    for (const value of values) await stream.putRecord({ PartitionKey: 'dev-0001', Data: bytes(value) });
  };
  const payloads = (event: KinesisTumblingWindowEvent) =>
    event.Records.map((record) => Buffer.from(record.kinesis.data, 'base64').toString());
  return { clock, stream, esm, events, put, payloads };
};

describe('Kinesis tumbling-window event source mapping', () => {
  it('delivers the exact tumbling-window event, windows aligned to arrival time', async () => {
    const { clock, esm, events, put, stream } = setup();
    clock.advance(15_000);
    await put('a');

    await esm.poll();

    const sequenceNumber = events[0]?.Records[0]?.kinesis.sequenceNumber as string;
    expect(events).toEqual([
      {
        Records: [
          {
            kinesis: {
              kinesisSchemaVersion: '1.0',
              partitionKey: 'dev-0001',
              sequenceNumber,
              data: Buffer.from('a').toString('base64'),
              approximateArrivalTimestamp: (T0 + 15_000) / 1000,
            },
            eventSource: 'aws:kinesis',
            eventVersion: '1.0',
            eventID: `shardId-000000000000:${sequenceNumber}`,
            eventName: 'aws:kinesis:record',
            invokeIdentityArn: 'arn:aws:iam::000000000000:role/analytics-sink-dev-aggregate-role',
            awsRegion: 'us-east-1',
            eventSourceARN: stream.arn,
          },
        ],
        window: { start: '2026-03-01T10:00:00Z', end: '2026-03-01T10:01:00Z' },
        state: {},
        shardId: 'shardId-000000000000',
        eventSourceARN: stream.arn,
        isFinalInvokeForWindow: false,
        isWindowTerminatedEarly: false,
      },
    ]);
    expect(KinesisDataStreamSchema.parse(events[0])).toMatchObject({
      shardId: 'shardId-000000000000',
      state: {},
    });
  });

  it('carries the returned state across invocations and ends the window with a final, record-less invocation', async () => {
    const { clock, esm, events, put, payloads } = setup({ batchSize: 2 });
    await put('a', 'b', 'c');

    await esm.poll();
    expect(events.map((event) => [payloads(event), event.state, event.isFinalInvokeForWindow])).toEqual([
      [['a', 'b'], {}, false],
      [['c'], { count: 2 }, false],
    ]);
    expect(esm.nextDueAt()).toBe(T0 + 60_000);

    clock.advance(60_000);
    await esm.poll();

    expect(events[2]).toMatchObject({
      Records: [],
      state: { count: 3 },
      isFinalInvokeForWindow: true,
      isWindowTerminatedEarly: false,
    });
    expect(esm.stats.finalInvocations).toBe(1);
  });

  // The state travels in the function's response, which the Node.js runtime serialises with
  // JSON.stringify (aws/aws-lambda-nodejs-runtime-interface-client, RAPIDClient), and comes back in
  // the next event: what JSON cannot carry (Infinity, NaN, undefined) arrives as null or not at all.
  // https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html
  it('hands the next invocation the state as JSON carried it: Infinity and NaN arrive as null', async () => {
    const { clock, esm, events, put } = setup({
      batchSize: 1,
      handler: async (event) => ({
        state: { ...event.state, overflowed: 1e308 + 1e308, undefinedMean: 0 / 0, gone: undefined, n: 1 },
      }),
    });
    await put('a', 'b');

    await esm.poll();
    clock.advance(60_000);
    await esm.poll();

    expect(events.map((event) => event.state)).toEqual([
      {},
      { overflowed: null, undefinedMean: null, n: 1 },
      { overflowed: null, undefinedMean: null, n: 1 },
    ]);
    expect(events[2]?.isFinalInvokeForWindow).toBe(true);
  });

  // Each invocation gets its own event, as from Lambda's JSON wire: what a failed invocation did to
  // its event (its state included) is not seen by the retry; and the event is plain JSON.
  it('hands each invocation an event of its own: a failed attempt that changed its state does not leak into the retry', async () => {
    let calls = 0;
    const { clock, esm, events, put } = setup({
      batchSize: 1,
      handler: async (event) => {
        calls += 1;
        expect(JSON.parse(JSON.stringify(event))).toStrictEqual(event);
        const count = Number(event.state.count ?? 0) + event.Records.length;
        if (calls === 2) {
          event.state.count = 99;
          event.Records.length = 0;
          throw new Error('after changing its event');
        }
        return { state: { count } };
      },
    });
    await put('a', 'b');

    await esm.poll();
    clock.advance(esm.nextDueAt()! - clock.now());
    await esm.poll();

    expect(events.map((event) => [event.Records.length, event.state])).toEqual([
      [1, {}],
      [1, { count: 1 }],
      [1, { count: 1 }],
    ]);
  });

  it('closes a window as soon as a record of the next window arrives, and never mixes windows in one batch', async () => {
    const { clock, esm, events, put, payloads } = setup();
    await put('w1-a');
    clock.advance(61_000);
    await put('w2-a');

    await esm.poll();

    expect(
      events.map((event) => [event.window.start, payloads(event), event.isFinalInvokeForWindow, event.state]),
    ).toEqual([
      ['2026-03-01T10:00:00Z', ['w1-a'], false, {}],
      ['2026-03-01T10:00:00Z', [], true, { count: 1 }],
      ['2026-03-01T10:01:00Z', ['w2-a'], false, {}],
    ]);
  });

  it('restarts from the first failed sequence number reported in batchItemFailures', async () => {
    let calls = 0;
    const { clock, esm, events, put, payloads } = setup({
      functionResponseType: 'ReportBatchItemFailures',
      handler: async (event) => {
        calls += 1;
        const failed =
          calls === 1
            ? event.Records.filter((record) => Buffer.from(record.kinesis.data, 'base64').toString() === 'b')
            : [];
        return {
          state: {},
          batchItemFailures: failed.map((record) => ({ itemIdentifier: record.kinesis.sequenceNumber })),
        };
      },
    });
    await put('a', 'b', 'c');

    await esm.poll();
    clock.advance(esm.nextDueAt()! - clock.now());
    await esm.poll();

    expect(events.filter((event) => !event.isFinalInvokeForWindow).map(payloads)).toEqual([
      ['a', 'b', 'c'],
      ['b', 'c'],
    ]);
  });

  it('treats a response without state as a failed invocation and delivers the same records again (at least once)', async () => {
    let calls = 0;
    const { clock, esm, events, put, payloads } = setup({
      handler: async () => {
        calls += 1;
        return calls === 1 ? {} : { state: { ok: true } };
      },
    });
    await put('a', 'b');

    await esm.poll();
    expect(esm.stats.failedInvocations).toBe(1);
    clock.advance(1000);
    await esm.poll();

    expect(events.map(payloads)).toEqual([
      ['a', 'b'],
      ['a', 'b'],
    ]);
    expect(esm.lag()).toBe(0);
  });

  it('bisects a failing batch to isolate a poison record, which goes to the on-failure destination after the retries', async () => {
    const failures: KinesisBatchFailure[] = [];
    const delivered: string[] = [];
    const { clock, esm, events, put, payloads } = setup({
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 2,
      onFailure: async (failure) => void failures.push(failure),
      handler: async (event) => {
        const values = event.Records.map((record) => Buffer.from(record.kinesis.data, 'base64').toString());
        if (values.includes('poison')) throw new Error('cannot parse');
        delivered.push(...values);
        return { state: {} };
      },
    });
    await put('a', 'b', 'c', 'poison', 'd', 'e', 'f', 'g');

    for (let round = 0; round < 10 && esm.lag() > 0; round += 1) {
      await esm.poll();
      const next = esm.nextDueAt();
      if (next !== undefined && next > clock.now()) clock.advance(next - clock.now());
    }

    expect(
      events.filter((event) => !event.isFinalInvokeForWindow).map((event) => event.Records.length),
    ).toEqual([8, 4, 2, 2, 1, 1, 1, 1, 4]);
    expect(delivered).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(failures).toEqual([
      expect.objectContaining({
        requestContext: expect.objectContaining({
          condition: 'RetryAttemptsExhausted',
          approximateInvokeCount: 3,
        }),
        KinesisBatchInfo: expect.objectContaining({ shardId: 'shardId-000000000000', batchSize: 1 }),
      }),
    ]);
    expect(payloads(events[5] as KinesisTumblingWindowEvent)).toEqual(['poison']);
    expect(esm.stats.recordsDiscarded).toBe(1);
  });

  it('terminates the window early when the returned state exceeds 1 MB, then continues it with a fresh state', async () => {
    let calls = 0;
    const { clock, esm, events, put } = setup({
      batchSize: 1,
      handler: async (event) => {
        calls += 1;
        if (event.isFinalInvokeForWindow) return { state: {} };
        return { state: calls === 1 ? { big: 'x'.repeat(1024 * 1024) } : { small: true } };
      },
    });
    await put('a', 'b');

    await esm.poll();

    expect(
      events.map((event) => [
        event.Records.length,
        event.isFinalInvokeForWindow,
        event.isWindowTerminatedEarly,
        Object.keys(event.state),
      ]),
    ).toEqual([
      [1, false, false, []],
      [0, true, true, ['big']],
      [1, false, false, []],
    ]);
    expect(events[2]?.window).toEqual(events[0]?.window);
    expect(esm.stats.windowsTerminatedEarly).toBe(1);
    clock.advance(60_000);
    await esm.poll();
    expect(events.at(-1)).toMatchObject({
      isFinalInvokeForWindow: true,
      isWindowTerminatedEarly: false,
      state: { small: true },
    });
  });

  it('reads a parent shard to the end before it starts on the children of a split; each shard closes its own window', async () => {
    const { clock, esm, events, put, stream } = setup();
    await put('parent-1', 'parent-2');
    await stream.splitShard({
      ShardToSplit: 'shardId-000000000000',
      NewStartingHashKey: (2n ** 127n).toString(),
    });
    await put('child-1');

    await esm.poll();
    clock.advance(60_000);
    await esm.poll();

    const shardsInOrder = events.filter((event) => event.Records.length > 0).map((event) => event.shardId);
    expect(shardsInOrder[0]).toBe('shardId-000000000000');
    expect(shardsInOrder.slice(1).every((shardId) => shardId !== 'shardId-000000000000')).toBe(true);
    expect(
      events
        .filter((event) => event.isFinalInvokeForWindow)
        .map((event) => event.shardId)
        .sort(),
    ).toEqual(['shardId-000000000000', stream.shardFor('dev-0001')]);
  });

  it('gathers records for the batching window, and says when that batch comes due', async () => {
    const { clock, esm, events, put, payloads } = setup({ maximumBatchingWindowInSeconds: 5 });
    clock.advance(10_000);
    await put('a');
    // Unopened: due the instant the poller sees the record, not "now + 5 s" (which never arrives).
    expect(esm.nextDueAt()).toBe(T0 + 10_000);

    await esm.poll();
    expect(events).toHaveLength(0);
    expect(esm.nextDueAt()).toBe(T0 + 15_000);

    clock.advance(2_000);
    await put('b');
    await esm.poll();
    expect(events).toHaveLength(0);
    expect(esm.nextDueAt()).toBe(T0 + 15_000);

    clock.advance(3_000);
    await esm.poll();
    expect(events.map(payloads)).toEqual([['a', 'b']]);
  });

  it('validates its configuration like CreateEventSourceMapping', () => {
    expect(() => setup({ tumblingWindowInSeconds: 901 })).toThrow(/1-900/);
    expect(() => setup({ batchSize: 10_001 })).toThrow(/BatchSize/);
  });
});
