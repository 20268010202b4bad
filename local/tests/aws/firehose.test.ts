import { KinesisFirehoseSchema } from '@aws-lambda-powertools/parser/schemas/kinesis-firehose';
import { partitionKeysFor, rawPartitionPrefix, type FirehoseTransformationResponse } from '@pipeline/shared';
import { gunzipSync } from 'node:zlib';
import type { ManualClock } from '../../src/aws/clock';
import { DeliveryStream } from '../../src/aws/firehose/DeliveryStream';
import type { FirehoseKinesisSourceEvent } from '../../src/aws/firehose/event';
import type { ProcessorSettings } from '../../src/aws/firehose/Processor';
import type { S3DestinationSettings } from '../../src/aws/firehose/S3Destination';
import { JsonEncoder } from '../../src/aws/firehose/encoders';
import { applyPartitionKeys, resolvePrefix } from '../../src/aws/firehose/prefix';
import { KinesisStream, type KinesisStreamOptions } from '../../src/aws/kinesis/KinesisStream';
import { ObjectStore } from '../../src/aws/s3/ObjectStore';
import { clockAt, T0, tempRoot } from './support';

const STREAM = 'ingest-transform-dev-lake';
const LAMBDA_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:ingest-transform-dev-transform';

interface Reading {
  device: string;
  time?: string;
  kind?: 'ok' | 'heartbeat' | 'bad';
  pad?: string;
}

/** A transform in the shape of ingest-transform: Ok with dt/hour keys, Dropped heartbeats, ProcessingFailed bad records. */
const transform = async (event: FirehoseKinesisSourceEvent): Promise<FirehoseTransformationResponse> => ({
  records: event.records.map(({ recordId, data }) => {
    const reading = JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as Reading;
    if (reading.kind === 'heartbeat') return { recordId, result: 'Dropped', data };
    if (reading.kind === 'bad') return { recordId, result: 'ProcessingFailed', data };
    const line = Buffer.from(
      `${JSON.stringify({ device_id: reading.device, event_time: reading.time })}\n`,
    ).toString('base64');
    return {
      recordId,
      result: 'Ok',
      data: line,
      metadata: { partitionKeys: partitionKeysFor(Date.parse(reading.time ?? '')) },
    };
  }),
});

const setup = async (
  options: {
    handler?: (event: FirehoseKinesisSourceEvent) => Promise<unknown>;
    processor?: Partial<ProcessorSettings>;
    destination?: Partial<S3DestinationSettings>;
    stream?: Partial<KinesisStreamOptions>;
  } = {},
) => {
  const { root, cleanup } = await tempRoot();
  const clock = clockAt();
  const stream = new KinesisStream({ name: 'hub', shardCount: 2, clock, ...options.stream });
  const store = new ObjectStore({ root, clock });
  await store.createBucket('ingest');
  const events: FirehoseKinesisSourceEvent[] = [];
  const handler = options.handler ?? transform;
  const destination: S3DestinationSettings = {
    store,
    bucket: 'ingest',
    encoder: new JsonEncoder({ gzip: true }),
    bufferSizeMB: 64,
    bufferIntervalSeconds: 60,
    ...options.destination,
  };
  const create = () =>
    new DeliveryStream({
      name: STREAM,
      source: stream,
      clock,
      startingPosition: 'TRIM_HORIZON',
      processor: {
        functionName: 'ingest-transform-dev-transform',
        handler: async (event) => {
          events.push(event);
          return handler(event);
        },
        ...options.processor,
      },
      destination,
    });
  const put = async (readings: Reading[]) => {
    for (let start = 0; start < readings.length; start += 500) {
      const result = await stream.putRecords({
        Records: readings.slice(start, start + 500).map((reading) => ({
          PartitionKey: reading.device,
          Data: Buffer.from(JSON.stringify(reading)),
        })),
      });
      expect(result.FailedRecordCount).toBe(0);
    }
  };
  /** Every object under a prefix: key and decompressed text. */
  const objects = async (prefix: string) => {
    const out: { key: string; text: string }[] = [];
    for await (const key of store.keys('ingest', prefix)) {
      const { Body } = await store.getObject({ Bucket: 'ingest', Key: key });
      out.push({ key, text: (key.endsWith('.gz') ? gunzipSync(Body) : Body).toString('utf8') });
    }
    return out;
  };
  const errorRecords = async () =>
    (await objects('errors/')).flatMap(({ text }) =>
      text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    );
  return { clock, stream, store, events, put, objects, errorRecords, create, cleanup };
};

type Setup = Awaited<ReturnType<typeof setup>>;
let env: Setup | undefined;
const use = async (options?: Parameters<typeof setup>[0]) => {
  env = await setup(options);
  return env;
};
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

const at = (clock: ManualClock, offsetMs: number) => clock.advanceTo(T0 + offsetMs);
const reading = (device: string, minute = 0, kind: Reading['kind'] = 'ok'): Reading => ({
  device,
  time: new Date(T0 - 3_600_000 + minute * 60_000).toISOString(),
  kind,
});

describe('Firehose: the transform invocation', () => {
  it('invokes the transform with the exact Kinesis-source event', async () => {
    const { clock, events, put, create, stream } = await use();
    const firehose = create();
    await put([reading('dev-0001')]);
    at(clock, 60_000);

    await firehose.poll();

    const record = events[0]?.records[0];
    const sequenceNumber = record?.kinesisRecordMetadata.sequenceNumber as string;
    expect(events).toEqual([
      {
        invocationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        deliveryStreamArn: `arn:aws:firehose:us-east-1:000000000000:deliverystream/${STREAM}`,
        sourceKinesisStreamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/hub',
        region: 'us-east-1',
        records: [
          {
            recordId: `${sequenceNumber}000000000000`,
            approximateArrivalTimestamp: T0,
            data: Buffer.from(JSON.stringify(reading('dev-0001'))).toString('base64'),
            kinesisRecordMetadata: {
              shardId: stream.shardFor('dev-0001'),
              partitionKey: 'dev-0001',
              approximateArrivalTimestamp: T0,
              sequenceNumber,
              subsequenceNumber: 0,
            },
          },
        ],
      },
    ]);
    expect(KinesisFirehoseSchema.parse(events[0])).toMatchObject({ region: 'us-east-1' });
  });

  it('flushes the processor buffer when its interval elapses (default 60 s)', async () => {
    const { clock, events, put, create } = await use();
    const firehose = create();
    await put([reading('a'), reading('b'), reading('c')]);

    await firehose.poll();
    expect(events).toHaveLength(0);
    expect(firehose.nextDueAt()).toBe(T0 + 60_000);
    at(clock, 59_999);
    await firehose.poll();
    expect(events).toHaveLength(0);
    at(clock, 60_000);
    await firehose.poll();

    expect(events.map((event) => event.records.length)).toEqual([3]);
  });

  it('flushes the processor buffer as soon as it holds its size hint', async () => {
    const { events, put, create } = await use({ processor: { bufferSizeMB: 0.2 } });
    const firehose = create();
    const pad = 'x'.repeat(8 * 1024);
    await put(Array.from({ length: 30 }, (_, index) => ({ ...reading(`dev-${index}`), pad })));

    await firehose.poll();

    expect(events.length).toBeGreaterThanOrEqual(1);
    const raw =
      events[0]?.records.reduce((sum, record) => sum + Buffer.from(record.data, 'base64').byteLength, 0) ?? 0;
    expect(raw).toBeGreaterThanOrEqual(0.2 * 1024 * 1024);
  });

  it('never sends a request above 6 MB, even for a 3 MB buffer of tiny records', async () => {
    const sizes: number[] = [];
    const { clock, put, create } = await use({
      processor: { bufferSizeMB: 3 },
      stream: { writeLimits: { bytesPerSecond: 1e9, recordsPerSecond: 1e9 } },
      handler: async (event) => {
        sizes.push(Buffer.byteLength(JSON.stringify(event)));
        return transform(event);
      },
    });
    const firehose = create();
    await put(Array.from({ length: 20_000 }, (_, index) => reading(`d${index % 50}`)));
    at(clock, 60_000);

    await firehose.poll();

    expect(sizes.length).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(6 * 1024 * 1024);
    expect(firehose.stats.ok).toBe(20_000);
  }, 60_000); // tens of thousands of records through the processor: seconds quiet, more loaded
});

describe('Firehose: the response contract', () => {
  const twoRecords = [reading('dev-1'), reading('dev-2')];
  const violations: [string, (event: FirehoseKinesisSourceEvent) => Promise<unknown>, string][] = [
    [
      'a missing record id',
      async (event) => ({ records: (await transform(event)).records.slice(1) }),
      'Lambda.MissingRecordId',
    ],
    [
      'a duplicated record id',
      async (event) => {
        const { records } = await transform(event);
        return { records: [...records, records[0]] };
      },
      'Lambda.DuplicatedRecordId',
    ],
    [
      'a record id that was not in the invocation',
      async (event) => {
        const { records } = await transform(event);
        return { records: [...records, { ...records[0], recordId: 'made-up' }] };
      },
      'Lambda.JsonProcessingException',
    ],
    [
      'a result outside Ok/Dropped/ProcessingFailed',
      async (event) => ({
        records: (await transform(event)).records.map((record) => ({ ...record, result: 'Maybe' })),
      }),
      'Lambda.JsonProcessingException',
    ],
    [
      'data that is not base64',
      async (event) => ({
        records: (await transform(event)).records.map((record) => ({ ...record, data: '{not base64}' })),
      }),
      'Lambda.JsonProcessingException',
    ],
    [
      'an Ok record without the partition keys dynamic partitioning needs',
      async (event) => ({
        records: (await transform(event)).records.map((record) => ({
          ...record,
          metadata: { partitionKeys: { dt: '2026-03-01' } },
        })),
      }),
      'Lambda.JsonProcessingException',
    ],
    ['a response that is not the records object', async () => 'ok', 'Lambda.JsonProcessingException'],
    [
      'a thrown error',
      async () => {
        throw new TypeError('cannot read');
      },
      'Lambda.FunctionError',
    ],
    [
      'a response above 6 MB',
      async (event) => ({
        records: (await transform(event)).records.map((record) => ({
          ...record,
          data: Buffer.alloc(3.5 * 1024 * 1024).toString('base64'),
        })),
      }),
      'Lambda.FunctionError',
    ],
  ];

  it.each(violations)(
    'retries the invocation 3 times after %s, then writes the whole batch to errors/processing-failed/',
    async (_case, handler, errorCode) => {
      const { clock, events, put, create, errorRecords, objects } = await use({ handler });
      const firehose = create();
      await put(twoRecords);
      at(clock, 60_000);
      await firehose.poll();
      at(clock, 120_000);
      await firehose.poll();

      expect(events).toHaveLength(4);
      expect(new Set(events.map((event) => event.invocationId)).size).toBe(4);
      expect(
        events.every((event) => JSON.stringify(event.records) === JSON.stringify(events[0]?.records)),
      ).toBe(true);
      const errors = await errorRecords();
      expect(
        errors.map((record) => [
          record.errorCode,
          record.attemptsMade,
          Buffer.from(record.rawData as string, 'base64').toString(),
        ]),
      ).toEqual(twoRecords.map((input) => [errorCode, 4, JSON.stringify(input)]));
      expect(errors[0]).toEqual({
        attemptsMade: 4,
        arrivalTimestamp: T0,
        errorCode,
        errorMessage: expect.stringMatching(/^\S/),
        attemptEndingTimestamp: T0 + 60_000,
        rawData: expect.any(String),
        lambdaArn: LAMBDA_ARN,
      });
      expect((await objects('errors/')).map(({ key }) => key)).toEqual([
        expect.stringMatching(
          /^errors\/processing-failed\/dt=2026-03-01\/hour=10\/ingest-transform-dev-lake-1-2026-03-01-10-00-00-[0-9a-f-]{36}\.gz$/,
        ),
      ]);
      expect(await objects('raw/')).toEqual([]);
      expect(firehose.stats.failedBatchRecords).toEqual({ [errorCode]: 2 });
    },
  );

  // Lambda's "6 MB" response limit, read as 6,000,000 bytes (the smaller reading; Lambda itself
  // names 6,291,556): the whole serialised response counts, envelope included. Over it, the
  // invocation fails as a function error, is retried and the batch goes to the error prefix.
  it('fails an invocation whose serialised response passes 6,000,000 bytes, though under 6 MiB', async () => {
    const respond = (totalBytes: number) => async (event: FirehoseKinesisSourceEvent) => {
      const { records } = await transform(event);
      const base = Buffer.byteLength(JSON.stringify({ records }));
      const padding = Math.floor(((totalBytes - base) / 4) * 3);
      const [first, ...rest] = records;
      const data = Buffer.concat([Buffer.from(first!.data, 'base64'), Buffer.alloc(padding, 0x20)]);
      return { records: [{ ...first!, data: data.toString('base64') }, ...rest] };
    };
    const sizeOf = async (handler: ReturnType<typeof respond>, event: FirehoseKinesisSourceEvent) =>
      Buffer.byteLength(JSON.stringify(await handler(event)));

    for (const [totalBytes, failed] of [
      [5_999_000, 0],
      [6_001_000, 2],
    ] as const) {
      const handler = respond(totalBytes);
      const { clock, events, put, create } = await use({ handler });
      const firehose = create();
      await put([reading('dev-1'), reading('dev-2')]);
      at(clock, 60_000);
      await firehose.poll();

      const bytes = await sizeOf(handler, events[0]!);
      expect(bytes).toBeGreaterThan(totalBytes - 8);
      expect(bytes).toBeLessThan(6 * 1024 * 1024);
      expect(firehose.stats.failedBatchRecords).toEqual(failed ? { 'Lambda.FunctionError': failed } : {});
      expect(firehose.stats.failedInvocations).toBe(failed ? 4 : 0);
      await env?.cleanup();
      env = undefined;
    }
  });

  it('honours NumberOfRetries', async () => {
    const { clock, events, put, create } = await use({
      processor: { numberOfRetries: 0 },
      handler: async () => {
        throw new Error('x');
      },
    });
    const firehose = create();
    await put([reading('a')]);
    at(clock, 60_000);
    await firehose.poll();
    expect(events).toHaveLength(1);
  });

  it('hands each attempt an event of its own, plain JSON: what a failed attempt changed is not seen again', async () => {
    let calls = 0;
    const { clock, events, put, create, objects } = await use({
      handler: async (event) => {
        calls += 1;
        expect(JSON.parse(JSON.stringify(event))).toStrictEqual(event);
        if (calls === 1) {
          for (const record of event.records) record.data = Buffer.from('changed').toString('base64');
          event.records.pop();
          throw new Error('after changing its event');
        }
        return transform(event);
      },
    });
    const firehose = create();
    await put([reading('dev-1'), reading('dev-2')]);
    at(clock, 60_000);
    await firehose.poll();
    at(clock, 120_000);
    await firehose.poll();

    expect(events.map((event) => event.records.length)).toEqual([1, 2]);
    expect((await objects('raw/')).map(({ text }) => text.trim().split('\n').length)).toEqual([2]);
  });

  it('recovers when a retry succeeds: nothing goes to the error prefix', async () => {
    let calls = 0;
    const { clock, put, create, errorRecords } = await use({
      handler: async (event) => {
        calls += 1;
        if (calls < 3) throw new Error('cold start timeout');
        return transform(event);
      },
    });
    const firehose = create();
    await put([reading('a')]);
    at(clock, 60_000);
    await firehose.poll();
    await firehose.flush();
    expect(await errorRecords()).toEqual([]);
    expect(firehose.stats).toMatchObject({ invocations: 3, failedInvocations: 2, ok: 1, delivered: 1 });
  });
});

describe('Firehose: delivery to the lake', () => {
  it('groups Ok records by the Lambda partition keys into raw/dt=/hour= objects, drops Dropped, and writes ProcessingFailed to the error prefix', async () => {
    const { clock, put, create, objects, errorRecords } = await use();
    const firehose = create();
    const nine = (device: string) => ({ ...reading(device, 0), time: '2026-03-01T09:59:00.000Z' });
    const ten = (device: string) => ({ ...reading(device, 0), time: '2026-03-01T10:00:30.000Z' });
    await put([nine('a'), ten('b'), nine('c'), reading('d', 0, 'heartbeat'), reading('e', 0, 'bad')]);
    at(clock, 60_000);
    await firehose.poll();
    expect(await objects('')).toEqual([]);
    at(clock, 120_000);
    await firehose.poll();

    const lake = await objects('raw/');
    expect(lake.map(({ key }) => key.replace(/[^/]+$/, ''))).toEqual([
      rawPartitionPrefix({ dt: '2026-03-01', hour: '09' }),
      rawPartitionPrefix({ dt: '2026-03-01', hour: '10' }),
    ]);
    for (const { key } of lake)
      expect(key).toMatch(/\/ingest-transform-dev-lake-1-2026-03-01-10-00-00-[0-9a-f-]{36}\.gz$/);
    expect(
      lake.map(({ text }) =>
        text
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line).device_id),
      ),
    ).toEqual([['a', 'c'], ['b']]);
    expect(await errorRecords()).toEqual([
      {
        attemptsMade: 1,
        arrivalTimestamp: T0,
        errorCode: 'Lambda.ProcessingFailedStatus',
        errorMessage: 'ProcessingFailed status set for record',
        attemptEndingTimestamp: T0 + 60_000,
        rawData: Buffer.from(JSON.stringify(reading('e', 0, 'bad'))).toString('base64'),
        lambdaArn: LAMBDA_ARN,
      },
    ]);
    expect(firehose.stats).toMatchObject({
      ok: 3,
      dropped: 1,
      processingFailed: 1,
      delivered: 3,
      objectsWritten: 2,
      errorObjectsWritten: 1,
    });
  });

  it('flushes an S3 buffer only when its interval has passed since it opened', async () => {
    const { clock, put, create, objects } = await use();
    const firehose = create();
    await put([reading('a')]);
    at(clock, 60_000);
    await firehose.poll();
    expect(firehose.nextDueAt()).toBe(T0 + 120_000);
    at(clock, 119_999);
    await firehose.poll();
    expect(await objects('raw/')).toEqual([]);
    at(clock, 120_000);
    await firehose.poll();
    expect(await objects('raw/')).toHaveLength(1);
  });

  it('flushes an S3 buffer as soon as it holds its size hint', async () => {
    const { put, create, objects } = await use({
      destination: {
        prefix: 'plain/',
        errorOutputPrefix: 'errors/!{firehose:error-output-type}/',
        bufferSizeMB: 1,
        bufferIntervalSeconds: 900,
      },
      processor: { bufferSizeMB: 0.5 },
      handler: async (event) => ({
        records: event.records.map(({ recordId, data }) => ({ recordId, result: 'Ok', data })),
      }),
    });
    const firehose = create();
    const pad = 'y'.repeat(16 * 1024);
    await put(Array.from({ length: 80 }, (_, index) => ({ device: `dev-${index}`, pad })));

    await firehose.poll();

    const written = await objects('plain/');
    expect(written.length).toBeGreaterThanOrEqual(1);
    expect(Buffer.byteLength(written[0]?.text ?? '')).toBeGreaterThanOrEqual(1024 * 1024);
  });

  it('names objects after the records they hold, so a replayed buffer writes nothing twice', async () => {
    const { clock, put, create, objects, store } = await use();
    await put([reading('a'), reading('b', 0, 'bad')]);
    const first = create();
    const replay = create();
    at(clock, 60_000);
    await first.poll();
    await replay.poll();
    at(clock, 120_000);
    await first.poll();
    const before = await objects('');
    await replay.poll();

    expect(await objects('')).toEqual(before);
    expect(replay.stats.objectsAlreadyPresent).toBe(2);
    expect(replay.stats.objectsWritten).toBe(0);
    await expect(store.listObjectsV2({ Bucket: 'ingest' })).resolves.toMatchObject({ KeyCount: 2 });
  });

  it('reads a parent shard before its children, so a device keeps its order across a split', async () => {
    const { clock, put, create, objects, stream } = await use({
      handler: async (event) => ({
        records: event.records.map(({ recordId, data }) => ({
          recordId,
          result: 'Ok',
          data: Buffer.from(`${Buffer.from(data, 'base64').toString()}\n`).toString('base64'),
        })),
      }),
      destination: {
        prefix: 'plain/',
        errorOutputPrefix: 'errors/!{firehose:error-output-type}/',
        bufferSizeMB: 5,
      },
    });
    const firehose = create();
    await put(Array.from({ length: 5 }, (_, index) => ({ device: 'dev-7', pad: `before-${index}` })));
    for (const shardId of stream.openShardIds()) {
      const { HashKeyRange } = stream.describeShard(shardId);
      const middle = (BigInt(HashKeyRange.StartingHashKey) + BigInt(HashKeyRange.EndingHashKey) + 1n) / 2n;
      await stream.splitShard({ ShardToSplit: shardId, NewStartingHashKey: middle.toString() });
    }
    await put(Array.from({ length: 5 }, (_, index) => ({ device: 'dev-7', pad: `after-${index}` })));
    at(clock, 60_000);
    await firehose.poll();
    at(clock, 120_000);
    await firehose.poll();
    await firehose.flush();

    const lines = (await objects('plain/')).flatMap(({ text }) =>
      text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).pad),
    );
    expect(lines).toEqual([
      ...Array.from({ length: 5 }, (_, i) => `before-${i}`),
      ...Array.from({ length: 5 }, (_, i) => `after-${i}`),
    ]);
  });

  it('releases hub records once they are processed (bounded memory)', async () => {
    const { clock, put, create, stream } = await use();
    const firehose = create();
    await put(Array.from({ length: 200 }, (_, index) => reading(`dev-${index}`)));
    expect(stream.heldRecordCount()).toBe(200);
    at(clock, 60_000);
    await firehose.poll();
    expect(stream.heldRecordCount()).toBe(0);
  });

  it('writes everything buffered on flush()', async () => {
    const { put, create, objects } = await use();
    const firehose = create();
    await put([reading('a'), reading('b', 0, 'bad')]);
    await firehose.flush();
    expect((await objects('')).map(({ key }) => key.split('/')[0])).toEqual(['errors', 'raw']);
    expect(firehose.bufferedRecordCount()).toBe(0);
  });
});

describe('Firehose: configuration and prefixes', () => {
  it('uses the lake layout of @pipeline/shared for the default prefix', () => {
    const template = 'raw/dt=!{partitionKeyFromLambda:dt}/hour=!{partitionKeyFromLambda:hour}/';
    const keys = { dt: '2026-03-01', hour: '07' };
    expect(applyPartitionKeys(template, keys)).toBe(rawPartitionPrefix(keys));
    expect(
      resolvePrefix('errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/', {
        oldestArrival: Date.UTC(2026, 2, 1, 7, 59),
        errorOutputType: 'processing-failed',
        randomString: 'r',
      }),
    ).toBe('errors/processing-failed/dt=2026-03-01/hour=07/');
  });

  /** A delivery stream created with these settings (it is never polled). */
  const configure = (processor: Partial<ProcessorSettings>, destination: Partial<S3DestinationSettings>) => {
    const clock = clockAt();
    return new DeliveryStream({
      name: STREAM,
      clock,
      source: new KinesisStream({ name: 'hub', shardCount: 1, clock }),
      processor: { functionName: 'f', handler: transform, ...processor },
      destination: {
        store: new ObjectStore({ root: '/nonexistent', clock }),
        bucket: 'b',
        encoder: new JsonEncoder({ gzip: true }),
        ...destination,
      },
    });
  };

  it('rejects buffer hints AWS rejects', () => {
    expect(() => configure({}, { bufferSizeMB: 5 })).toThrow(/at least 64 with dynamic partitioning/);
    expect(() => configure({ bufferSizeMB: 4 }, { bufferSizeMB: 64 })).toThrow(/BufferSizeInMBs/);
    expect(() => configure({}, { bufferSizeMB: 64, bufferIntervalSeconds: 0 })).toThrow(/zero buffering/);
    expect(() => configure({}, { bufferSizeMB: 129 })).toThrow(/SizeInMBs/);
    expect(() => configure({ numberOfRetries: 301 }, { bufferSizeMB: 64 })).toThrow(/NumberOfRetries/);
    expect(() =>
      configure({}, { prefix: 'plain/', bufferSizeMB: 1, bufferIntervalSeconds: 0 }),
    ).not.toThrow();
  });

  // https://docs.aws.amazon.com/firehose/latest/APIReference/API_BufferingHints.html: SizeInMBs and
  // IntervalInSeconds are of type Integer; NumberOfRetries counts invocations.
  it('rejects fractional S3 buffering hints and retry counts, which AWS types as integers', () => {
    expect(() => configure({}, { bufferSizeMB: 64.5 })).toThrow(/SizeInMBs must be an integer/);
    expect(() => configure({}, { bufferSizeMB: 64, bufferIntervalSeconds: 60.5 })).toThrow(
      /IntervalInSeconds must be an integer/,
    );
    expect(() => configure({ numberOfRetries: 1.5 }, { bufferSizeMB: 64 })).toThrow(
      /NumberOfRetries must be an integer/,
    );
    expect(() => configure({ bufferSizeMB: 0.5 }, { bufferSizeMB: 64 })).not.toThrow();
  });
});
