import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { createHash } from 'node:crypto';
import { evenHashKeyRanges, hashKeyOf, MAX_HASH_KEY } from '../../src/aws/kinesis/hash-key';
import { KinesisStream } from '../../src/aws/kinesis/KinesisStream';
import type { StoredRecord } from '../../src/aws/kinesis/Shard';
import { StreamReader } from '../../src/aws/kinesis/StreamReader';
import { bytes, clockAt } from './support';

const MIB = 1024 * 1024;

const hub = (shardCount = 2, clock = clockAt()) =>
  new KinesisStream({ name: 'pipeline-dev-telemetry', shardCount, clock });

const put = (stream: KinesisStream, entries: { key: string; data?: Uint8Array; explicit?: string }[]) =>
  stream.putRecords({
    StreamName: stream.name,
    Records: entries.map(({ key, data, explicit }) => ({
      PartitionKey: key,
      Data: data ?? bytes(`{"deviceId":"${key}"}`),
      ...(explicit ? { ExplicitHashKey: explicit } : {}),
    })),
  });

/** Everything a checkpointing reader gets, shard by shard as it becomes readable, in order. */
const drain = (reader: StreamReader): { shardId: string; record: StoredRecord }[] => {
  const out: { shardId: string; record: StoredRecord }[] = [];
  for (let progress = true; progress;) {
    progress = false;
    for (const shardId of reader.readableShards()) {
      const records = reader.peek(shardId, 10_000);
      if (records.length === 0) continue;
      for (const record of records) out.push({ shardId, record });
      reader.checkpoint(shardId, (records.at(-1) as StoredRecord).sequenceNumber);
      progress = true;
    }
  }
  return out;
};

describe('Kinesis hub: hash-key routing', () => {
  it('splits the 128-bit hash-key space evenly across the shards of a new stream, as CreateStream does', () => {
    expect(evenHashKeyRanges(2).map(({ start, end }) => [start.toString(), end.toString()])).toEqual([
      ['0', '170141183460469231731687303715884105727'],
      ['170141183460469231731687303715884105728', '340282366920938463463374607431768211455'],
    ]);
    const four = evenHashKeyRanges(4);
    expect(four[0]?.start).toBe(0n);
    expect(four[3]?.end).toBe(MAX_HASH_KEY);
    four.slice(1).forEach((range, index) => expect(range.start).toBe((four[index]?.end ?? 0n) + 1n));
  });

  it('hashes a partition key with MD5 into a 128-bit big-endian integer', () => {
    const md5 = createHash('md5').update('dev-0001').digest('hex');
    expect(hashKeyOf('dev-0001')).toBe(BigInt(`0x${md5}`));
  });

  it('routes each record to the shard whose range holds the MD5 of its partition key', async () => {
    const stream = hub(4);
    const { Shards } = await stream.listShards();
    const keys = Array.from({ length: 40 }, (_, index) => `dev-${String(index).padStart(4, '0')}`);

    const { Records, FailedRecordCount } = await put(
      stream,
      keys.map((key) => ({ key })),
    );

    expect(FailedRecordCount).toBe(0);
    keys.forEach((key, index) => {
      const owner = Shards.find(
        ({ HashKeyRange }) =>
          hashKeyOf(key) >= BigInt(HashKeyRange.StartingHashKey) &&
          hashKeyOf(key) <= BigInt(HashKeyRange.EndingHashKey),
      );
      expect(Records[index]?.ShardId).toBe(owner?.ShardId);
    });
    expect(new Set(Records.map((record) => record.ShardId)).size).toBe(4);
  });

  it('routes by ExplicitHashKey when one is given, whatever the partition key', async () => {
    const stream = hub(2);
    const { Records } = await put(stream, [
      { key: 'any', explicit: '0' },
      { key: 'any', explicit: MAX_HASH_KEY.toString() },
    ]);
    expect(Records.map((record) => record.ShardId)).toEqual(['shardId-000000000000', 'shardId-000000000001']);
    await expect(
      put(stream, [{ key: 'any', explicit: (MAX_HASH_KEY + 1n).toString() }]),
    ).rejects.toMatchObject({
      name: 'InvalidArgumentException',
    });
  });

  it('keeps per-shard order with growing sequence numbers, so one device reads back in the order it wrote', async () => {
    const stream = hub(2);
    for (let index = 0; index < 5; index += 1) {
      await put(stream, [
        { key: 'dev-0001', data: bytes(`reading-${index}`) },
        { key: 'dev-0002', data: bytes(`other-${index}`) },
      ]);
    }
    const reader = new StreamReader(stream, 'test');
    const device = drain(reader).filter(({ record }) => record.partitionKey === 'dev-0001');

    expect(device.map(({ record }) => Buffer.from(record.data).toString())).toEqual([
      'reading-0',
      'reading-1',
      'reading-2',
      'reading-3',
      'reading-4',
    ]);
    const sequences = device.map(({ record }) => BigInt(record.sequenceNumber));
    expect([...sequences].sort((a, b) => (a < b ? -1 : 1))).toEqual(sequences);
  });
});

describe('Kinesis hub: record and request limits', () => {
  it('accepts a record of exactly 1 MiB (data plus partition key) and rejects one byte more', async () => {
    const stream = hub(1);
    const key = 'dev-0001';
    const fits = new Uint8Array(MIB - key.length);

    await expect(put(stream, [{ key, data: fits }])).resolves.toMatchObject({ FailedRecordCount: 0 });
    await expect(put(stream, [{ key, data: new Uint8Array(MIB - key.length + 1) }])).rejects.toMatchObject({
      name: 'InvalidArgumentException',
    });
  });

  it('rejects a PutRecords request of more than 500 records as a whole', async () => {
    const stream = hub(2);
    const entries = Array.from({ length: 501 }, (_, index) => ({ key: `dev-${index}` }));

    await expect(put(stream, entries)).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(put(stream, entries.slice(0, 500))).resolves.toMatchObject({ FailedRecordCount: 0 });
  });

  it('rejects a PutRecords request above 5 MiB including partition keys', async () => {
    const stream = hub(8);
    const chunk = new Uint8Array(MIB - 100);
    const entries = Array.from({ length: 6 }, (_, index) => ({ key: `dev-${index}`, data: chunk }));

    await expect(put(stream, entries)).rejects.toMatchObject({ name: 'InvalidArgumentException' });
    expect(stream.heldRecordCount()).toBe(0);
  });

  it('rejects empty and over-long partition keys', async () => {
    const stream = hub(1);
    await expect(put(stream, [{ key: '' }])).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(put(stream, [{ key: 'k'.repeat(257) }])).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });
  // https://docs.aws.amazon.com/kinesis/latest/APIReference/API_IncreaseStreamRetentionPeriod.html:
  // a stream keeps records 24 to 8760 hours.
  it('refuses a retention period outside 24-8760 hours, as CreateStream and the retention APIs do', () => {
    const create = (retentionHours: number) =>
      new KinesisStream({ name: 'pipeline-dev-telemetry', shardCount: 1, clock: clockAt(), retentionHours });
    expect(() => create(23)).toThrow(expect.objectContaining({ name: 'InvalidArgumentException' }));
    expect(() => create(8761)).toThrow(expect.objectContaining({ name: 'InvalidArgumentException' }));
    expect(() => create(24.5)).toThrow(expect.objectContaining({ name: 'InvalidArgumentException' }));
    expect(() => create(24)).not.toThrow();
    expect(() => create(8760)).not.toThrow();
  });
});

describe('Kinesis hub: per-shard write throughput', () => {
  it('fails only the entries above 1,000 records per second on a shard, with per-entry error codes', async () => {
    const clock = clockAt();
    const stream = hub(2, clock);
    const hot = Array.from({ length: 500 }, () => ({ key: 'dev-hot' }));
    const hotShard = stream.shardFor('dev-hot');
    const cold = Array.from({ length: 200 }, (_, index) => `cold-${index}`)
      .filter((key) => stream.shardFor(key) !== hotShard)
      .slice(0, 10)
      .map((key) => ({ key }));

    await put(stream, hot);
    await put(stream, hot);
    const third = await put(stream, [...hot.slice(0, 3), ...cold]);

    expect(third.FailedRecordCount).toBe(3);
    expect(third.Records.slice(0, 3)).toEqual(
      Array.from({ length: 3 }, () => ({
        ErrorCode: 'ProvisionedThroughputExceededException',
        ErrorMessage: `Rate exceeded for shard ${hotShard} in stream pipeline-dev-telemetry under account 000000000000.`,
      })),
    );
    expect(third.Records.slice(3).every((record) => record.SequenceNumber && !record.ErrorCode)).toBe(true);

    clock.advance(1000);
    await expect(put(stream, hot.slice(0, 3))).resolves.toMatchObject({ FailedRecordCount: 0 });
  });

  it('fails entries above 1 MB per second on a shard', async () => {
    const stream = hub(1);
    const big = new Uint8Array(600 * 1024);

    const result = await put(stream, [
      { key: 'a', data: big },
      { key: 'b', data: big },
    ]);

    expect(result.FailedRecordCount).toBe(1);
    expect(result.Records[1]?.ErrorCode).toBe('ProvisionedThroughputExceededException');
  });

  it('throws the throttling error from PutRecord, like the SDK', async () => {
    const stream = hub(1);
    await put(
      stream,
      Array.from({ length: 500 }, () => ({ key: 'a' })),
    );
    await put(
      stream,
      Array.from({ length: 500 }, () => ({ key: 'a' })),
    );
    await expect(stream.putRecord({ PartitionKey: 'a', Data: bytes('x') })).rejects.toMatchObject({
      name: 'ProvisionedThroughputExceededException',
    });
  });

  it('lets a test inject InternalFailure entries', async () => {
    const stream = new KinesisStream({
      name: 'hub',
      shardCount: 1,
      clock: clockAt(),
      faults: ({ index }) => (index === 1 ? 'InternalFailure' : undefined),
    });
    const result = await put(stream, [{ key: 'a' }, { key: 'b' }, { key: 'c' }]);
    expect(result.FailedRecordCount).toBe(1);
    expect(result.Records[1]).toEqual({
      ErrorCode: 'InternalFailure',
      ErrorMessage: 'Internal service failure.',
    });
  });
});

describe('Kinesis hub: split and merge', () => {
  it('splits a shard: the parent closes, two children share its range and take new writes', async () => {
    const stream = hub(1);
    await put(stream, [{ key: 'dev-0001' }]);
    const middle = (MAX_HASH_KEY + 1n) / 2n;

    const { ChildShardIds } = await stream.splitShard({
      StreamName: stream.name,
      ShardToSplit: 'shardId-000000000000',
      NewStartingHashKey: middle.toString(),
    });

    const { Shards } = await stream.listShards();
    expect(ChildShardIds).toEqual(['shardId-000000000001', 'shardId-000000000002']);
    expect(Shards[0]?.SequenceNumberRange.EndingSequenceNumber).toBeDefined();
    expect(Shards.slice(1)).toEqual([
      expect.objectContaining({
        ShardId: 'shardId-000000000001',
        ParentShardId: 'shardId-000000000000',
        HashKeyRange: { StartingHashKey: '0', EndingHashKey: (middle - 1n).toString() },
      }),
      expect.objectContaining({
        ShardId: 'shardId-000000000002',
        ParentShardId: 'shardId-000000000000',
        HashKeyRange: { StartingHashKey: middle.toString(), EndingHashKey: MAX_HASH_KEY.toString() },
      }),
    ]);
    expect(stream.openShardIds()).toEqual(ChildShardIds);
    const { Records } = await put(stream, [{ key: 'dev-0001' }]);
    expect(ChildShardIds).toContain(Records[0]?.ShardId);
  });

  it('keeps each partition key in order across a split for a reader that finishes the parent first', async () => {
    const stream = hub(1);
    const keys = ['dev-0001', 'dev-0002', 'dev-0003', 'dev-0004'];
    for (let index = 0; index < 3; index += 1)
      await put(
        stream,
        keys.map((key) => ({ key, data: bytes(`${key}#${index}`) })),
      );
    const reader = new StreamReader(stream, 'analytics');
    // The reader starts before the split and reads nothing yet: children hold newer records.
    await stream.splitShard({
      ShardToSplit: 'shardId-000000000000',
      NewStartingHashKey: ((MAX_HASH_KEY + 1n) / 2n).toString(),
    });
    for (let index = 3; index < 6; index += 1)
      await put(
        stream,
        keys.map((key) => ({ key, data: bytes(`${key}#${index}`) })),
      );

    expect(reader.readableShards()).toEqual(['shardId-000000000000']);
    const read = drain(reader);

    for (const key of keys) {
      expect(
        read
          .filter(({ record }) => record.partitionKey === key)
          .map(({ record }) => Buffer.from(record.data).toString()),
      ).toEqual(Array.from({ length: 6 }, (_, index) => `${key}#${index}`));
    }
    expect(read.slice(0, 12).every(({ shardId }) => shardId === 'shardId-000000000000')).toBe(true);
  });

  it('rejects a split key outside the shard or at its starting hash key', async () => {
    const stream = hub(2);
    await expect(
      stream.splitShard({ ShardToSplit: 'shardId-000000000001', NewStartingHashKey: '5' }),
    ).rejects.toMatchObject({
      name: 'InvalidArgumentException',
    });
    await expect(
      stream.splitShard({ ShardToSplit: 'shardId-000000000000', NewStartingHashKey: '0' }),
    ).rejects.toMatchObject({
      name: 'InvalidArgumentException',
    });
  });

  it('merges two adjacent shards into one child with both as parents; a reader finishes both parents first', async () => {
    const stream = hub(3);
    const keys = Array.from({ length: 30 }, (_, index) => `dev-${index}`);
    await put(
      stream,
      keys.map((key) => ({ key, data: bytes(`${key}#old`) })),
    );
    const reader = new StreamReader(stream, 'firehose');

    await expect(
      stream.mergeShards({
        ShardToMerge: 'shardId-000000000000',
        AdjacentShardToMerge: 'shardId-000000000002',
      }),
    ).rejects.toMatchObject({ name: 'InvalidArgumentException' });
    const { ChildShardId } = await stream.mergeShards({
      ShardToMerge: 'shardId-000000000001',
      AdjacentShardToMerge: 'shardId-000000000000',
    });
    await put(
      stream,
      keys.map((key) => ({ key, data: bytes(`${key}#new`) })),
    );

    expect(stream.describeShard(ChildShardId)).toEqual({
      ShardId: 'shardId-000000000003',
      ParentShardId: 'shardId-000000000001',
      AdjacentParentShardId: 'shardId-000000000000',
      HashKeyRange: {
        StartingHashKey: '0',
        EndingHashKey: stream.describeShard('shardId-000000000001').HashKeyRange.EndingHashKey,
      },
      SequenceNumberRange: { StartingSequenceNumber: expect.any(String) },
    });
    const read = drain(reader);
    for (const key of keys) {
      expect(
        read
          .filter(({ record }) => record.partitionKey === key)
          .map(({ record }) => Buffer.from(record.data).toString()),
      ).toEqual([`${key}#old`, `${key}#new`]);
    }
    await expect(
      stream.mergeShards({ ShardToMerge: 'shardId-000000000000', AdjacentShardToMerge: ChildShardId }),
    ).rejects.toMatchObject({ name: 'ResourceInUseException' });
  });
});

describe('Kinesis hub: readers', () => {
  it('serves GetShardIterator/GetRecords; a closed shard read to its end has no next iterator and names its children', async () => {
    const stream = hub(1);
    await put(stream, [{ key: 'a' }, { key: 'b' }]);
    await stream.splitShard({ ShardToSplit: 'shardId-000000000000', NewStartingHashKey: '1000' });
    const { ShardIterator } = await stream.getShardIterator({
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'TRIM_HORIZON',
    });

    const first = await stream.getRecords({ ShardIterator, Limit: 1 });
    expect(first.Records.map((record) => record.PartitionKey)).toEqual(['a']);
    expect(first.Records[0]?.ApproximateArrivalTimestamp).toBeInstanceOf(Date);
    const second = await stream.getRecords({ ShardIterator: first.NextShardIterator as string });

    expect(second.Records.map((record) => record.PartitionKey)).toEqual(['b']);
    expect(second.NextShardIterator).toBeUndefined();
    expect(second.ChildShards?.map((child) => child.ShardId)).toEqual([
      'shardId-000000000001',
      'shardId-000000000002',
    ]);
  });

  it('expires a shard iterator after five minutes', async () => {
    const clock = clockAt();
    const stream = hub(1, clock);
    const { ShardIterator } = await stream.getShardIterator({
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'LATEST',
    });
    clock.advance(5 * 60 * 1000 + 1);
    await expect(stream.getRecords({ ShardIterator })).rejects.toMatchObject({
      name: 'ExpiredIteratorException',
    });
  });

  // https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html: "If you specify a
  // value that is greater than 10,000, GetRecords throws InvalidArgumentException."
  it('refuses a GetRecords Limit above 10,000 with InvalidArgumentException', async () => {
    const stream = hub(1);
    const { ShardIterator } = await stream.getShardIterator({
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'TRIM_HORIZON',
    });
    await expect(stream.getRecords({ ShardIterator, Limit: 10_001 })).rejects.toMatchObject({
      name: 'InvalidArgumentException',
    });
    await expect(stream.getRecords({ ShardIterator, Limit: 10_000 })).resolves.toMatchObject({ Records: [] });
  });

  // https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html: "Each shard can
  // support up to five read transactions per second."
  it('throttles a sixth GetRecords on a shard within one second, and serves it again the next second', async () => {
    const clock = clockAt();
    const stream = hub(2, clock);
    const iterator = async (shardId: string) =>
      (await stream.getShardIterator({ ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' })).ShardIterator;
    const first = await iterator('shardId-000000000000');
    for (let call = 0; call < 5; call += 1) await stream.getRecords({ ShardIterator: first });
    await expect(stream.getRecords({ ShardIterator: first })).rejects.toMatchObject({
      name: 'ProvisionedThroughputExceededException',
    });
    // The budget is per shard: the other shard still reads.
    await expect(
      stream.getRecords({ ShardIterator: await iterator('shardId-000000000001') }),
    ).resolves.toBeDefined();
    clock.advance(1000);
    await expect(stream.getRecords({ ShardIterator: first })).resolves.toBeDefined();
  });

  it('reads AFTER_SEQUENCE_NUMBER and AT_SEQUENCE_NUMBER positions', async () => {
    const stream = hub(1);
    const { Records } = await put(stream, [{ key: 'a' }, { key: 'b' }, { key: 'c' }]);
    const second = Records[1]?.SequenceNumber as string;
    const read = async (type: 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER') => {
      const { ShardIterator } = await stream.getShardIterator({
        ShardId: 'shardId-000000000000',
        ShardIteratorType: type,
        StartingSequenceNumber: second,
      });
      return (await stream.getRecords({ ShardIterator })).Records.map((record) => record.PartitionKey);
    };
    expect(await read('AT_SEQUENCE_NUMBER')).toEqual(['b', 'c']);
    expect(await read('AFTER_SEQUENCE_NUMBER')).toEqual(['c']);
  });

  it('releases records once every reader has checkpointed past them (bounded memory)', async () => {
    const stream = hub(1);
    const firehose = new StreamReader(stream, 'firehose');
    const analytics = new StreamReader(stream, 'analytics');
    await put(
      stream,
      Array.from({ length: 100 }, (_, index) => ({ key: `k${index}` })),
    );

    drain(firehose);
    expect(stream.heldRecordCount()).toBe(100);
    drain(analytics);
    expect(stream.heldRecordCount()).toBe(0);
  });

  it('starts a LATEST reader after what the stream already holds', async () => {
    const stream = hub(1);
    await put(stream, [{ key: 'old' }]);
    const reader = new StreamReader(stream, 'late', 'LATEST');
    await put(stream, [{ key: 'new' }]);
    expect(drain(reader).map(({ record }) => record.partitionKey)).toEqual(['new']);
  });
});

describe('Kinesis hub: SDK compatibility', () => {
  it('accepts the SDK PutRecordsCommand through send(), so an SDK-backed adapter can use the hub as its client', async () => {
    const stream = hub(2);
    const result = (await stream.send(
      new PutRecordsCommand({
        StreamName: stream.name,
        Records: [{ PartitionKey: 'dev-0001', Data: bytes('{}') }],
      }),
    )) as { FailedRecordCount: number; Records: { ShardId: string }[] };
    expect(result.FailedRecordCount).toBe(0);
    expect(result.Records[0]?.ShardId).toBe(stream.shardFor('dev-0001'));
    await expect(
      stream.send(
        new PutRecordsCommand({ StreamName: 'other', Records: [{ PartitionKey: 'a', Data: bytes('{}') }] }),
      ),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe('Kinesis hub: the IncomingRecords metric', () => {
  // "The number of records successfully put to the Kinesis stream over the specified time period."
  // https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html
  it('counts the records stored, not the entries refused for throughput or failed inside', async () => {
    const clock = clockAt();
    const stream = new KinesisStream({
      name: 'hub',
      shardCount: 1,
      clock,
      faults: ({ partitionKey }) => (partitionKey === 'broken' ? 'InternalFailure' : undefined),
    });
    await put(
      stream,
      Array.from({ length: 500 }, () => ({ key: 'a' })),
    );
    const second = await put(stream, [
      ...Array.from({ length: 499 }, () => ({ key: 'a' })),
      { key: 'broken' },
    ]);
    // The shard's 1,000 records per second: one more fits, two are refused.
    const third = await put(
      stream,
      Array.from({ length: 3 }, () => ({ key: 'a' })),
    );
    expect([second.FailedRecordCount, third.FailedRecordCount]).toEqual([1, 2]);
    expect(stream.incomingRecords).toBe(1000);
  });
});

describe('Kinesis hub: what a reader has not read yet', () => {
  it('sums up the records after a position in one lookup, as the separate questions answer it', async () => {
    const clock = clockAt();
    const stream = new KinesisStream({ name: 'hub', shardCount: 1, clock });
    const [shardId] = stream.shardIds() as [string];
    for (const value of ['a', 'bb', 'ccc']) {
      await stream.putRecord({ PartitionKey: 'dev-1', Data: bytes(value) });
      clock.advance(1000);
    }
    const reader = new StreamReader(stream, 'test');
    const [first, second] = reader.peek(shardId, 3) as [StoredRecord, StoredRecord];

    for (const position of [
      '',
      first.sequenceNumber,
      second.sequenceNumber,
      stream.latestPosition(shardId),
    ]) {
      expect(stream.unreadAfter(shardId, position)).toEqual({
        count: stream.countAfter(shardId, position),
        dataBytes: stream.dataBytesAfter(shardId, position),
        firstArrival: stream.firstArrivalAfter(shardId, position),
      });
    }
    expect(stream.unreadAfter(shardId, first.sequenceNumber)).toEqual({
      count: 2,
      dataBytes: 5,
      firstArrival: second.approximateArrivalTimestamp,
    });
    expect(reader.next(shardId)).toBe(first);
    reader.checkpoint(shardId, stream.latestPosition(shardId));
    expect(reader.next(shardId)).toBeUndefined();
  });
});
