import { KinesisClient, PutRecordsCommand, type PutRecordsCommandInput } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DEFAULT_RETRY_POLICY,
  fullJitterDelay,
  KinesisHubWriter,
  type Clock,
  type RetryPolicy,
} from '../src/adapters/kinesis-hub-writer';
import { chunkForPutRecords, entryBytes, PUT_RECORDS_LIMITS } from '../src/adapters/put-records-limits';
import { HubWriteError, type HubRecord } from '../src/domain/ports';

const kinesis = mockClient(KinesisClient);
const client = new KinesisClient({ region: 'us-east-1' });

const record = (
  index: number,
  dataBytes = 200,
  partitionKey = `dev-${String(index % 7).padStart(4, '0')}`,
): HubRecord => ({
  partitionKey,
  data: Buffer.alloc(dataBytes, 97 + (index % 26)),
  source: { topic: 'telemetry', partition: 0, offset: index },
});

/** A clock that only moves when the writer sleeps, plus a log of the sleeps. */
const fakeClock = (start = 1_000_000): Clock & { sleeps: number[]; advance: (ms: number) => void } => {
  let now = start;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    advance: (ms) => {
      now += ms;
    },
    sleeps,
  };
};

const ok = (input: PutRecordsCommandInput) => ({
  FailedRecordCount: 0,
  Records: (input.Records ?? []).map((_, index) => ({
    ShardId: 'shardId-000000000000',
    SequenceNumber: `4965${index}`,
  })),
});

const sentRequests = () => kinesis.commandCalls(PutRecordsCommand).map((call) => call.args[0].input);

const writer = (clock: Clock, retry: RetryPolicy = DEFAULT_RETRY_POLICY, random = () => 0.5) =>
  new KinesisHubWriter({ client, streamName: 'ingest-transform-test-telemetry', clock, retry, random });

beforeEach(() => kinesis.reset());

describe('chunkForPutRecords', () => {
  it('puts at most 500 records in a request, in order', () => {
    const records = Array.from({ length: 1201 }, (_, index) => record(index));
    const chunks = chunkForPutRecords(records);

    expect(chunks.map((chunk) => chunk.length)).toEqual([500, 500, 201]);
    expect(chunks.flat()).toEqual(records);
  });

  it('keeps each request within 5 MiB, partition keys included', () => {
    // 300 KiB records: 17 fit in 5 MiB (5,222,400 bytes plus keys), the 18th would not.
    const records = Array.from({ length: 40 }, (_, index) => record(index, 300 * 1024));
    const chunks = chunkForPutRecords(records);

    expect(chunks.map((chunk) => chunk.length)).toEqual([17, 17, 6]);
    for (const chunk of chunks) {
      expect(chunk.reduce((sum, entry) => sum + entryBytes(entry), 0)).toBeLessThanOrEqual(
        PUT_RECORDS_LIMITS.maxRequestBytes,
      );
    }
  });

  it('counts the partition key against the 1 MiB record limit', () => {
    const exactlyOneMiB = record(1, 1024 * 1024 - 'dev-0001'.length, 'dev-0001');
    expect(chunkForPutRecords([exactlyOneMiB])).toHaveLength(1);
    expect(() => chunkForPutRecords([record(1, 1024 * 1024 - 7, 'dev-0001')])).toThrow(RangeError);
  });
});

describe('fullJitterDelay', () => {
  it('draws below an exponential cap that stops at the maximum', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 3000 };
    expect([0, 1, 2, 3, 4, 5, 10].map((attempt) => fullJitterDelay(attempt, policy, () => 0.999999))).toEqual(
      [99, 199, 399, 799, 1599, 2999, 2999],
    );
    expect(fullJitterDelay(3, policy, () => 0)).toBe(0);
  });
});

describe('KinesisHubWriter', () => {
  it('sends every record to the hub stream with its partition key, one request per 500', async () => {
    kinesis.on(PutRecordsCommand).callsFake(ok);
    const records = Array.from({ length: 1001 }, (_, index) => record(index));

    const stats = await writer(fakeClock()).put(records, { deadlineMs: 2_000_000 });

    const requests = sentRequests();
    expect(requests.map((request) => request.Records?.length)).toEqual([500, 500, 1]);
    expect(requests.every((request) => request.StreamName === 'ingest-transform-test-telemetry')).toBe(true);
    expect(requests.flatMap((request) => request.Records ?? [])).toEqual(
      records.map(({ partitionKey, data }) => ({ PartitionKey: partitionKey, Data: data })),
    );
    expect(stats).toEqual({ requests: 3, retriedEntries: 0 });
  });

  it('retries only the entries that failed, after a jittered backoff', async () => {
    const records = Array.from({ length: 5 }, (_, index) => record(index));
    kinesis
      .on(PutRecordsCommand)
      .resolvesOnce({
        FailedRecordCount: 2,
        Records: [
          { SequenceNumber: '1', ShardId: 'shardId-000000000000' },
          { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard' },
          { SequenceNumber: '3', ShardId: 'shardId-000000000001' },
          { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service failure.' },
          { SequenceNumber: '5', ShardId: 'shardId-000000000000' },
        ],
      })
      .callsFake(ok);
    const clock = fakeClock();

    const stats = await writer(clock).put(records, { deadlineMs: clock.now() + 10_000 });

    const [, retry] = sentRequests();
    expect(retry?.Records).toEqual(
      [records[1], records[3]].map((entry) => ({ PartitionKey: entry!.partitionKey, Data: entry!.data })),
    );
    expect(stats).toEqual({ requests: 2, retriedEntries: 2 });
    expect(clock.sleeps).toEqual([50]);
  });

  it('retries a whole request that was throttled or failed on the server', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ProvisionedThroughputExceededException',
      $fault: 'client',
    });
    const unavailable = Object.assign(new Error('Service unavailable'), {
      name: 'InternalFailure',
      $fault: 'server',
    });
    kinesis.on(PutRecordsCommand).rejectsOnce(throttled).rejectsOnce(unavailable).callsFake(ok);
    const clock = fakeClock();

    const stats = await writer(clock).put([record(1), record(2)], { deadlineMs: clock.now() + 10_000 });

    expect(stats).toEqual({ requests: 3, retriedEntries: 4 });
    expect(clock.sleeps).toEqual([50, 100]);
  });

  it('fails fast when the hub refuses the request for good', async () => {
    const denied = Object.assign(new Error('not authorized to perform kinesis:PutRecords'), {
      name: 'AccessDeniedException',
      $fault: 'client',
    });
    kinesis.on(PutRecordsCommand).rejects(denied);
    const clock = fakeClock();

    await expect(writer(clock).put([record(1)], { deadlineMs: clock.now() + 10_000 })).rejects.toMatchObject({
      name: 'HubWriteError',
      message: expect.stringContaining('AccessDeniedException'),
      unwritten: 1,
    });
    expect(sentRequests()).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('retries after a network error, but not after a programming error', async () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    kinesis.on(PutRecordsCommand).rejectsOnce(reset).callsFake(ok);
    const clock = fakeClock();

    await expect(writer(clock).put([record(1)], { deadlineMs: clock.now() + 10_000 })).resolves.toEqual({
      requests: 2,
      retriedEntries: 1,
    });

    kinesis.reset();
    kinesis.on(PutRecordsCommand).rejects(new TypeError('Cannot read properties of undefined'));
    await expect(writer(clock).put([record(1)], { deadlineMs: clock.now() + 10_000 })).rejects.toMatchObject({
      name: 'HubWriteError',
      message: expect.stringContaining('TypeError'),
    });
    expect(sentRequests()).toHaveLength(1);
  });

  it('accepts a deadline that is not a whole millisecond', async () => {
    kinesis.on(PutRecordsCommand).callsFake(ok);
    const clock = fakeClock();

    await expect(writer(clock).put([record(1)], { deadlineMs: clock.now() + 5399.7 })).resolves.toEqual({
      requests: 1,
      retriedEntries: 0,
    });
  });

  it('gives up with HubWriteError when the hub stays unavailable beyond the time budget', async () => {
    kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({
      FailedRecordCount: input.Records?.length,
      Records: (input.Records ?? []).map(() => ({
        ErrorCode: 'ProvisionedThroughputExceededException',
        ErrorMessage: 'Rate exceeded',
      })),
    }));
    const clock = fakeClock();
    const deadlineMs = clock.now() + 5_000;
    const records = Array.from({ length: 600 }, (_, index) => record(index));

    const failure = await writer(clock, DEFAULT_RETRY_POLICY, () => 0.999)
      .put(records, { deadlineMs })
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(HubWriteError);
    expect(failure).toMatchObject({
      unwritten: 600,
      message: expect.stringContaining('ProvisionedThroughputExceededException x500'),
    });
    // Backoff doubles (3 s cap); the next delay (2,997 ms at 3,094 ms) would pass the deadline.
    expect(clock.sleeps).toEqual([99, 199, 399, 799, 1598]);
    expect(clock.now()).toBeLessThan(deadlineMs);
    // Only the first request's entries were ever sent: the second chunk waits for the first.
    expect(sentRequests().map((request) => request.Records?.length)).toEqual([500, 500, 500, 500, 500, 500]);
    expect((failure as HubWriteError).stats).toEqual({ requests: 6, retriedEntries: 2500 });
  });

  it('sends nothing once the deadline has passed', async () => {
    kinesis.on(PutRecordsCommand).callsFake(ok);
    const clock = fakeClock();

    await expect(writer(clock).put([record(1)], { deadlineMs: clock.now() })).rejects.toBeInstanceOf(
      HubWriteError,
    );
    expect(sentRequests()).toHaveLength(0);
  });

  it('treats entries without a confirmed sequence number as failed', async () => {
    kinesis
      .on(PutRecordsCommand)
      .resolvesOnce({
        FailedRecordCount: 0,
        Records: [{ SequenceNumber: '1', ShardId: 'shardId-000000000000' }],
      })
      .callsFake(ok);
    const clock = fakeClock();

    const stats = await writer(clock).put([record(1), record(2)], { deadlineMs: clock.now() + 10_000 });

    expect(sentRequests()[1]?.Records).toHaveLength(1);
    expect(stats.retriedEntries).toBe(1);
  });
});
