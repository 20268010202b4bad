import { partitionKeysFor, type FirehoseTransformationResponse } from '@pipeline/shared';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import type { SQSBatchResponse } from 'aws-lambda';
import { DeliveryStream } from '../../src/aws/firehose/DeliveryStream';
import type { FirehoseKinesisSourceEvent } from '../../src/aws/firehose/event';
import { S3_RETRY_INTERVAL_MS } from '../../src/aws/firehose/S3Destination';
import { JsonEncoder } from '../../src/aws/firehose/encoders';
import { KinesisStream } from '../../src/aws/kinesis/KinesisStream';
import { TumblingWindowEventSourceMapping } from '../../src/aws/kinesis/TumblingWindowEventSourceMapping';
import { ObjectStore, S3ServiceError } from '../../src/aws/s3/ObjectStore';
import { SqsEventSourceMapping } from '../../src/aws/sqs/SqsEventSourceMapping';
import { SqsQueue } from '../../src/aws/sqs/SqsQueue';
import { faultyTransform, FaultPlan, parseFaultList, ThrottlingHubClient } from '../../src/cloud/faults';
import { bytes, clockAt, filesUnder, T0, tempRoot } from './support';

// The hooks the simulators offer for injected faults, each held to the AWS behaviour it models,
// and the fault plan that drives them.

const okTransform = async (event: FirehoseKinesisSourceEvent): Promise<FirehoseTransformationResponse> => ({
  records: event.records.map(({ recordId }) => ({
    recordId,
    result: 'Ok',
    data: Buffer.from(`{"id":"${recordId}"}\n`).toString('base64'),
    metadata: { partitionKeys: partitionKeysFor(T0) },
  })),
});

describe('Firehose delivery to S3 under refused writes', () => {
  it('keeps a refused object and writes it again every 5 seconds, unchanged', async () => {
    const { root, cleanup } = await tempRoot();
    try {
      const clock = clockAt();
      let refusals = 2;
      const store = new ObjectStore({
        root,
        clock,
        putFault: () =>
          refusals-- > 0
            ? new S3ServiceError('SlowDown', 'Please reduce your request rate.', 503)
            : undefined,
      });
      await store.createBucket('ingest');
      const hub = new KinesisStream({ name: 'hub', shardCount: 1, clock });
      const firehose = new DeliveryStream({
        name: 'lake',
        source: hub,
        clock,
        startingPosition: 'TRIM_HORIZON',
        processor: { functionName: 'transform', handler: okTransform, bufferIntervalSeconds: 60 },
        destination: {
          store,
          bucket: 'ingest',
          encoder: new JsonEncoder({ gzip: false }),
          bufferSizeMB: 64,
          bufferIntervalSeconds: 60,
        },
      });
      await hub.putRecords({ Records: [{ PartitionKey: 'a', Data: bytes('{}') }] });
      clock.advance(120_000);
      await firehose.poll();
      expect(firehose.stats).toMatchObject({ s3DeliveryRetries: 1, objectsWritten: 0 });
      expect(firehose.bufferedRecordCount()).toBe(1);
      expect(firehose.nextDueAt()).toBe(clock.now() + S3_RETRY_INTERVAL_MS);

      clock.advance(S3_RETRY_INTERVAL_MS);
      await firehose.poll();
      clock.advance(S3_RETRY_INTERVAL_MS);
      await firehose.poll();
      expect(firehose.stats).toMatchObject({ s3DeliveryRetries: 2, objectsWritten: 1, delivered: 1 });
      expect(firehose.bufferedRecordCount()).toBe(0);
      expect(await filesUnder(`${root}/ingest`)).toHaveLength(1);
    } finally {
      await cleanup();
    }
  });
});

describe('SQS at-least-once delivery', () => {
  it('delivers a deleted message again when told to, with the same id and body', async () => {
    const clock = clockAt();
    const queue = new SqsQueue({
      name: 'runs',
      clock,
      redeliverAfterDelete: ({ receiveCount }) => receiveCount === 1,
    });
    await queue.sendMessage({ MessageBody: 'run dt=2026-03-01/hour=10' });
    const [first] = queue.receive(10);
    await queue.deleteMessage({ ReceiptHandle: first?.ReceiptHandle ?? '' });
    const [copy] = queue.receive(10);
    expect(copy).toMatchObject({ MessageId: first?.MessageId, Body: first?.Body });
    expect(copy?.Attributes.ApproximateReceiveCount).toBe('2');
    await queue.deleteMessage({ ReceiptHandle: copy?.ReceiptHandle ?? '' });
    expect(queue.counts().total).toBe(0);
  });
});

describe('SQS redelivery after a failure', () => {
  it('comes due again when a failed message reappears, for a driver that only polls when due', async () => {
    const clock = clockAt();
    const queue = new SqsQueue({ name: 'runs', clock, visibilityTimeoutSeconds: 1800 });
    let calls = 0;
    const mapping = new SqsEventSourceMapping({
      queue,
      clock,
      functionName: 'runner',
      timeoutSeconds: 300,
      batchSize: 10,
      maximumBatchingWindowInSeconds: 5,
      functionResponseType: 'ReportBatchItemFailures',
      handler: async (event): Promise<SQSBatchResponse> => {
        calls += 1;
        return {
          batchItemFailures: calls === 1 ? [{ itemIdentifier: event.Records[0]?.messageId ?? '' }] : [],
        };
      },
    });
    await queue.sendMessage({ MessageBody: 'run' });
    // The local cloud's driver: jump to the next due instant, poll, repeat.
    for (let step = 0; step < 10 && queue.counts().total > 0; step += 1) {
      const due = mapping.nextDueAt();
      if (due === undefined) break;
      clock.advanceTo(due);
      await mapping.poll();
    }
    expect(calls).toBe(2);
    expect(queue.counts().total).toBe(0);
    expect(clock.now()).toBeLessThanOrEqual(T0 + 1800_000 + 10_000);
  });
});

describe('Kinesis event source mapping redelivery', () => {
  it('delivers a batch again with the state from before it when the outcome is discarded', async () => {
    const clock = clockAt();
    const stream = new KinesisStream({ name: 'hub', shardCount: 1, clock });
    const seen: { records: number; state: unknown; final: boolean }[] = [];
    let redeliveries = 1;
    const esm = new TumblingWindowEventSourceMapping({
      stream,
      clock,
      functionName: 'sink',
      tumblingWindowInSeconds: 60,
      handler: async (event) => {
        seen.push({ records: event.Records.length, state: event.state, final: event.isFinalInvokeForWindow });
        const count = Number((event.state as { count?: number }).count ?? 0) + event.Records.length;
        return { state: { count } };
      },
      redeliver: () => redeliveries-- > 0,
    });
    await stream.putRecords({
      Records: [
        { PartitionKey: 'd', Data: bytes('a') },
        { PartitionKey: 'd', Data: bytes('b') },
      ],
    });
    clock.advance(1000);
    await esm.poll();
    expect(seen).toEqual([
      { records: 2, state: {}, final: false },
      { records: 2, state: {}, final: false },
    ]);
    expect(esm.stats.redelivered).toBe(1);
    clock.advance(60_000);
    await esm.poll();
    expect(seen.at(-1)).toEqual({ records: 0, state: { count: 2 }, final: true });
    expect(esm.lag()).toBe(0);
  });
});

describe('the fault plan', () => {
  it('parses fault lists; all leaves out the one that sends records to the error prefix', () => {
    expect(parseFaultList('all')).not.toContain('transform-exhausted');
    expect(parseFaultList('transform-exhausted,s3-write')).toEqual(['s3-write', 'transform-exhausted']);
    expect(() => parseFaultList('chaos-monkey')).toThrow(/unknown fault/);
  });

  it('decides the same faults for the same seed and keys, and resolves a key when it next goes through', () => {
    const decisions = (seed: string) => {
      const plan = new FaultPlan({ kinds: ['s3-write'], rate: 0.3, seed }, T0);
      return Array.from({ length: 50 }, (_, index) => plan.decide('s3-write', `key-${index}`));
    };
    expect(decisions('a')).toEqual(decisions('a'));
    expect(decisions('a')).not.toEqual(decisions('b'));
    const plan = new FaultPlan({ kinds: ['s3-write'], rate: 1, seed: 'a' }, T0);
    expect(plan.decide('s3-write', 'k', { times: 2 })).toBe(true);
    expect(plan.decide('s3-write', 'k')).toBe(true);
    expect(plan.decide('s3-write', 'k')).toBe(false);
    expect(plan.decide('s3-write', 'k')).toBe(false);
    expect(plan.report().kinds['s3-write']).toMatchObject({ injected: 2, resolved: 2 });
  });

  it('fails a transform batch within Firehose retries, so its last attempt goes through', async () => {
    const plan = new FaultPlan({ kinds: ['transform-error', 'transform-timeout'], rate: 1, seed: 's' }, T0);
    const handler = faultyTransform(plan, async () => 'answered', { attempts: 4, timeoutSeconds: 60 });
    const event = { records: [{ recordId: '1', data: '' }] };
    const outcomes: string[] = [];
    for (let attempt = 0; attempt < 4; attempt += 1)
      outcomes.push(
        await Promise.resolve(handler(event, {} as never)).then(String, (error: Error) => error.name),
      );
    expect(outcomes.at(-1)).toBe('answered');
    expect(outcomes).toContain('Sandbox.Timedout');
    expect(outcomes).toContain('Runtime.ExitError');
  });

  it('refuses a suffix of a PutRecords request, so the retried entries keep their order and sequence numbers', async () => {
    const entries = ['a', 'b', 'c', 'd'].map((value, index) => ({
      PartitionKey: `device-${index}`,
      Data: bytes(value),
    }));
    const sequence = async (client: { send(command: unknown): Promise<unknown> }) => {
      let pending = entries;
      for (;;) {
        const result = (await client.send(
          new PutRecordsCommand({ StreamName: 'hub', Records: pending }),
        )) as {
          Records: { ErrorCode?: string }[];
        };
        const refused = pending.filter((_, index) => result.Records[index]?.ErrorCode);
        if (refused.length === 0) return;
        pending = refused;
      }
    };
    const stored = async (throttled: boolean) => {
      const clock = clockAt();
      const hub = new KinesisStream({ name: 'hub', shardCount: 2, clock });
      const plan = new FaultPlan({ kinds: ['hub-throttle'], rate: 1, seed: 'x' }, T0);
      await sequence(throttled ? new ThrottlingHubClient(plan, hub) : hub);
      const { Shards = [] } = await hub.listShards({});
      const records = Shards.flatMap(({ ShardId }) =>
        hub
          .readAfter(ShardId, '', { limit: 10 })
          .map((r) => `${ShardId} ${r.sequenceNumber} ${Buffer.from(r.data).toString()}`),
      );
      return { records, report: plan.report().kinds['hub-throttle'] };
    };
    const [clean, throttled] = [await stored(false), await stored(true)];
    expect(throttled.report?.injected).toBeGreaterThan(0);
    expect(throttled.report?.resolved).toBe(throttled.report?.injected);
    expect(throttled.records).toEqual(clean.records);
  });
});
