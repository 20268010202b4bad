import { KafkaMskEventSchema } from '@aws-lambda-powertools/parser/schemas/kafka';
import type { MSKEvent } from 'aws-lambda';
import { defaultPartition, KafkaCluster, murmur2 } from '../../src/aws/msk/KafkaCluster';
import { MskEventSourceMapping, type KafkaBatchFailure } from '../../src/aws/msk/MskEventSourceMapping';
import { clockAt, T0 } from './support';

const cluster = (clock = clockAt(), partitions = 3) => {
  const kafka = new KafkaCluster({ clusterName: 'telemetry', clock });
  kafka.createTopic('telemetry', { partitions });
  return kafka;
};

const consumer = (
  kafka: KafkaCluster,
  clock: ReturnType<typeof clockAt>,
  handler: (event: MSKEvent) => Promise<unknown>,
  options: Partial<ConstructorParameters<typeof MskEventSourceMapping>[0]> = {},
) =>
  new MskEventSourceMapping({
    cluster: kafka,
    topic: 'telemetry',
    clock,
    handler,
    functionName: 'msk-consumer-dev-forward',
    ...options,
  });

describe('local Kafka topic', () => {
  it('partitions keyed records with Kafka murmur2, like the default partitioner', () => {
    // Test vectors from Kafka's UtilsTest.testMurmur2.
    const vectors: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [input, expected] of vectors) expect(murmur2(Buffer.from(input))).toBe(expected);

    const kafka = cluster();
    const { partition } = kafka.produce('telemetry', { key: 'dev-0042', value: '{}' });
    expect(partition).toBe(defaultPartition(Buffer.from('dev-0042'), 3));
  });

  it('gives each partition its own growing offsets', () => {
    const kafka = cluster();
    const keyed = ['a', 'b', 'c'].map((value) => kafka.produce('telemetry', { key: 'same-key', value }));
    const other = (((keyed[0]?.partition ?? 0) + 1) % 3) as number;

    expect(keyed.map(({ offset }) => offset)).toEqual([0, 1, 2]);
    expect(new Set(keyed.map(({ partition }) => partition)).size).toBe(1);
    expect(kafka.produce('telemetry', { value: 'x', partition: other }).offset).toBe(0);
    expect(kafka.endOffset('telemetry', other)).toBe(1);
  });

  it('rejects a record above the topic max.message.bytes', () => {
    const kafka = cluster();
    expect(() => kafka.produce('telemetry', { key: 'k', value: Buffer.alloc(1_048_589) })).toThrow(
      expect.objectContaining({ name: 'RecordTooLargeException' }),
    );
  });
});

describe('MSK event source mapping', () => {
  it('delivers the exact MSK event: records keyed topic-partition, base64 key and value, headers as byte arrays', async () => {
    const clock = clockAt();
    const kafka = cluster(clock, 1);
    kafka.produce('telemetry', { key: 'dev-0001', value: '{"t":1}', headers: { source: 'gw-7' } });
    kafka.produce('telemetry', { key: null, value: '{"t":2}' });
    const events: MSKEvent[] = [];

    await consumer(kafka, clock, async (event) => events.push(event), {
      maximumBatchingWindowInSeconds: 0,
    }).poll();

    expect(events).toEqual([
      {
        eventSource: 'aws:kafka',
        eventSourceArn: kafka.arn,
        bootstrapServers: kafka.bootstrapServers,
        records: {
          'telemetry-0': [
            {
              topic: 'telemetry',
              partition: 0,
              offset: 0,
              timestamp: T0,
              timestampType: 'CREATE_TIME',
              key: Buffer.from('dev-0001').toString('base64'),
              value: Buffer.from('{"t":1}').toString('base64'),
              headers: [{ source: [103, 119, 45, 55] }],
            },
            {
              topic: 'telemetry',
              partition: 0,
              offset: 1,
              timestamp: T0,
              timestampType: 'CREATE_TIME',
              value: Buffer.from('{"t":2}').toString('base64'),
              headers: [],
            },
          ],
        },
      },
    ]);
    expect(kafka.arn).toMatch(/^arn:aws:kafka:us-east-1:000000000000:cluster\/telemetry\/[0-9a-f-]{36}-1$/);
    expect(kafka.bootstrapServers.split(',')).toHaveLength(3);
    const parsed = KafkaMskEventSchema.parse(events[0]);
    expect(parsed.records['telemetry-0']?.[0]).toMatchObject({
      key: 'dev-0001',
      value: '{"t":1}',
      headers: [{ source: 'gw-7' }],
    });
  });

  // Lambda builds the Kafka event in Java: a header value is a byte[] written as JSON numbers
  // -128..127, so bytes >= 0x80 arrive negative (aws/aws-lambda-go#506,
  // aws-powertools/powertools-lambda-python#6862).
  it('delivers header bytes signed, as Java bytes', async () => {
    const clock = clockAt();
    const kafka = cluster(clock, 1);
    kafka.produce('telemetry', {
      value: '{}',
      headers: { trace: Buffer.from([0x76, 0xdc, 0x00, 0x7f, 0x80]), label: 'hello-world-ë' },
    });
    const events: MSKEvent[] = [];

    await consumer(kafka, clock, async (event) => events.push(event), {
      maximumBatchingWindowInSeconds: 0,
    }).poll();

    expect(events[0]?.records['telemetry-0']?.[0]?.headers).toEqual([
      { trace: [118, -36, 0, 127, -128] },
      { label: [104, 101, 108, 108, 111, 45, 119, 111, 114, 108, 100, 45, -61, -85] },
    ]);
  });

  it('groups a batch by partition, each partition in offset order', async () => {
    const clock = clockAt();
    const kafka = cluster(clock, 3);
    for (let index = 0; index < 9; index += 1)
      kafka.produce('telemetry', { value: `${index}`, partition: index % 3 });
    const events: MSKEvent[] = [];

    await consumer(kafka, clock, async (event) => events.push(event), {
      maximumBatchingWindowInSeconds: 0,
    }).poll();

    expect(Object.keys(events[0]?.records ?? {}).sort()).toEqual([
      'telemetry-0',
      'telemetry-1',
      'telemetry-2',
    ]);
    for (const records of Object.values(events[0]?.records ?? {})) {
      expect(records.map((record) => record.offset)).toEqual([0, 1, 2]);
    }
  });

  it('invokes when the batch is full, and otherwise only after the batching window (500 ms by default)', async () => {
    const clock = clockAt();
    const kafka = cluster(clock, 1);
    const sizes: number[] = [];
    const esm = consumer(
      kafka,
      clock,
      async (event) => sizes.push(Object.values(event.records).flat().length),
      { batchSize: 4 },
    );
    for (let index = 0; index < 6; index += 1) kafka.produce('telemetry', { value: `${index}` });

    expect(await esm.poll()).toBe(1);
    expect(sizes).toEqual([4]);
    expect(esm.nextDueAt()).toBe(T0 + 500);
    clock.advance(499);
    expect(await esm.poll()).toBe(0);
    clock.advance(1);
    expect(await esm.poll()).toBe(1);
    expect(sizes).toEqual([4, 2]);
    expect(esm.lag()).toBe(0);
  });

  it('retries a failed batch with the same records and commits offsets only after success', async () => {
    const clock = clockAt();
    const kafka = cluster(clock, 1);
    for (let index = 0; index < 3; index += 1) kafka.produce('telemetry', { value: `${index}` });
    let calls = 0;
    const deliveries: number[][] = [];
    const esm = consumer(
      kafka,
      clock,
      async (event) => {
        deliveries.push(
          Object.values(event.records)
            .flat()
            .map((record) => record.offset),
        );
        calls += 1;
        if (calls === 1) throw new Error('Kinesis throttled');
      },
      { maximumBatchingWindowInSeconds: 0 },
    );

    await esm.poll();
    expect(kafka.committed(esm.consumerGroupId, 'telemetry', 0)).toBe(0);
    expect(esm.lag()).toBe(3);
    expect(await esm.poll()).toBe(0);
    clock.advance(esm.nextDueAt()! - clock.now());
    await esm.poll();

    expect(deliveries).toEqual([
      [0, 1, 2],
      [0, 1, 2],
    ]);
    expect(kafka.committed(esm.consumerGroupId, 'telemetry', 0)).toBe(3);
    expect(kafka.heldRecordCount()).toBe(0);
  });

  it('hands each attempt an event of its own, plain JSON: what a failed attempt changed is not seen again', async () => {
    const clock = clockAt();
    const kafka = cluster(clock, 1);
    kafka.produce('telemetry', { key: 'dev-1', value: 'a', headers: { h: Buffer.from('ë') } });
    const deliveries: MSKEvent[] = [];
    const esm = consumer(
      kafka,
      clock,
      async (event) => {
        expect(JSON.parse(JSON.stringify(event))).toStrictEqual(event);
        deliveries.push(structuredClone(event));
        if (deliveries.length === 1) {
          for (const records of Object.values(event.records)) records.length = 0;
          throw new Error('after changing its event');
        }
      },
      { maximumBatchingWindowInSeconds: 0 },
    );

    await esm.poll();
    clock.advance(esm.nextDueAt()! - clock.now());
    await esm.poll();

    expect(deliveries).toHaveLength(2);
    expect(deliveries[1]).toEqual(deliveries[0]);
  });

  it('gives up a batch after MaximumRetryAttempts and hands it to the on-failure destination', async () => {
    const clock = clockAt();
    const kafka = cluster(clock, 1);
    kafka.produce('telemetry', { value: 'poison' });
    const failures: KafkaBatchFailure[] = [];
    const esm = consumer(
      kafka,
      clock,
      async () => {
        throw new Error('boom');
      },
      {
        maximumBatchingWindowInSeconds: 0,
        maximumRetryAttempts: 1,
        onFailure: async (failure) => void failures.push(failure),
      },
    );

    await esm.poll();
    clock.advance(60_000);
    await esm.poll();

    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 2 },
      responseContext: { functionError: 'Error' },
      KafkaBatchInfo: {
        batchSize: 1,
        eventSourceArn: kafka.arn,
        recordsInfo: { 'telemetry-0': { firstRecordOffset: '0', lastRecordOffset: '0' } },
      },
    });
    expect(esm.lag()).toBe(0);
  });

  it('keeps a batch under the 6 MB payload limit', async () => {
    const clock = clockAt();
    const kafka = cluster(clock, 1);
    for (let index = 0; index < 8; index += 1)
      kafka.produce('telemetry', { value: Buffer.alloc(1_000_000, 97) });
    const payloads: number[] = [];
    await consumer(kafka, clock, async (event) => payloads.push(Buffer.byteLength(JSON.stringify(event))), {
      maximumBatchingWindowInSeconds: 0,
    }).poll();
    expect(payloads.length).toBeGreaterThan(1);
    expect(Math.max(...payloads)).toBeLessThanOrEqual(6 * 1024 * 1024);
  });
});
