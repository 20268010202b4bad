import { SqsSchema } from '@aws-lambda-powertools/parser/schemas/sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { md5Hex } from '../../src/aws/environment';
import { SqsEventSourceMapping } from '../../src/aws/sqs/SqsEventSourceMapping';
import { SqsQueue } from '../../src/aws/sqs/SqsQueue';
import { clockAt, T0 } from './support';

const queues = (clock = clockAt(), maxReceiveCount = 3) => {
  const dlq = new SqsQueue({ name: 'report-requests-dlq', clock });
  const queue = new SqsQueue({
    name: 'report-requests',
    clock,
    visibilityTimeoutSeconds: 60,
    redrivePolicy: { deadLetterQueue: dlq, maxReceiveCount },
  });
  return { clock, queue, dlq };
};

const send = async (queue: SqsQueue, count: number) => {
  const ids: string[] = [];
  for (let index = 0; index < count; index += 1)
    ids.push((await queue.sendMessage({ MessageBody: `{"n":${index}}` })).MessageId);
  return ids;
};

describe('SQS queue', () => {
  it('hides a received message for the visibility timeout, then delivers it again with a higher receive count', async () => {
    const { clock, queue } = queues();
    const [id] = await send(queue, 1);

    const first = await queue.receiveMessage();
    expect(first.Messages[0]?.Attributes.ApproximateReceiveCount).toBe('1');
    expect((await queue.receiveMessage()).Messages).toEqual([]);
    clock.advance(59_999);
    expect((await queue.receiveMessage()).Messages).toEqual([]);
    clock.advance(1);
    const again = await queue.receiveMessage();

    expect(
      again.Messages.map((message) => [message.MessageId, message.Attributes.ApproximateReceiveCount]),
    ).toEqual([[id, '2']]);
    expect(again.Messages[0]?.ReceiptHandle).not.toBe(first.Messages[0]?.ReceiptHandle);
    expect(again.Messages[0]?.Attributes.ApproximateFirstReceiveTimestamp).toBe(String(T0));
  });

  it('moves a message to the DLQ on the receive after maxReceiveCount receives, keeping its id and body', async () => {
    const { clock, queue, dlq } = queues(clockAt(), 2);
    const [id] = await send(queue, 1);

    for (let receive = 1; receive <= 2; receive += 1) {
      expect((await queue.receiveMessage()).Messages).toHaveLength(1);
      clock.advance(60_000);
    }
    expect((await queue.receiveMessage()).Messages).toEqual([]);

    const moved = await dlq.receiveMessage();
    expect(moved.Messages.map((message) => [message.MessageId, message.Body])).toEqual([[id, '{"n":0}']]);
    expect(moved.Messages[0]?.Attributes.DeadLetterQueueSourceArn).toBe(queue.arn);
    expect(moved.Messages[0]?.Attributes.SentTimestamp).toBe(String(T0));
    expect(queue.counts().total).toBe(0);
    expect(queue.movedToDeadLetterCount).toBe(1);
  });

  it('deletes with the latest receipt handle only', async () => {
    const { clock, queue } = queues();
    await send(queue, 1);
    const stale = (await queue.receiveMessage()).Messages[0]?.ReceiptHandle as string;
    clock.advance(60_000);
    const fresh = (await queue.receiveMessage()).Messages[0]?.ReceiptHandle as string;

    await queue.deleteMessage({ ReceiptHandle: stale });
    expect(queue.counts().total).toBe(1);
    await queue.deleteMessage({ ReceiptHandle: fresh });
    expect(queue.counts().total).toBe(0);
  });

  it('rejects messages above 1 MiB and caps a receive at ten messages', async () => {
    const { queue } = queues();
    await expect(queue.sendMessage({ MessageBody: 'x'.repeat(1024 * 1024 + 1) })).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
    await expect(queue.receiveMessage({ MaxNumberOfMessages: 11 })).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
  });
});

describe('SQS event source mapping', () => {
  const mapping = (
    queue: SqsQueue,
    clock: ReturnType<typeof clockAt>,
    handler: (event: SQSEvent) => Promise<SQSBatchResponse | void>,
    options: {
      batchSize?: number;
      maximumBatchingWindowInSeconds?: number;
      timeoutSeconds?: number;
      background?: boolean;
    } = {},
  ) =>
    new SqsEventSourceMapping({
      queue,
      clock,
      handler,
      functionName: 'report-runner-dev-run',
      functionResponseType: 'ReportBatchItemFailures',
      ...options,
    });

  it('delivers the exact Lambda SQS event', async () => {
    const { clock, queue } = queues();
    const events: SQSEvent[] = [];
    const [id] = await send(queue, 1);

    await mapping(queue, clock, async (event) => {
      events.push(event);
    }).poll();

    expect(events).toEqual([
      {
        Records: [
          {
            messageId: id,
            receiptHandle: expect.any(String),
            body: '{"n":0}',
            attributes: {
              ApproximateReceiveCount: '1',
              SentTimestamp: String(T0),
              SenderId: 'AIDA000000000000LOCAL',
              ApproximateFirstReceiveTimestamp: String(T0),
            },
            messageAttributes: {},
            md5OfBody: md5Hex('{"n":0}'),
            eventSource: 'aws:sqs',
            eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:report-requests',
            awsRegion: 'us-east-1',
          },
        ],
      },
    ]);
    expect(SqsSchema.parse(events[0])).toEqual(events[0]);
    expect(queue.counts().total).toBe(0);
  });

  it('returns only the reported batchItemFailures to the queue; they reappear after the visibility timeout', async () => {
    const { clock, queue } = queues();
    const ids = await send(queue, 3);
    const seen: string[][] = [];
    const esm = mapping(queue, clock, async (event) => {
      seen.push(event.Records.map((record) => record.messageId));
      return {
        batchItemFailures: event.Records.filter((record) => record.body === '{"n":1}').map((record) => ({
          itemIdentifier: record.messageId,
        })),
      };
    });

    await esm.poll();
    expect(queue.counts()).toEqual({ visible: 0, notVisible: 1, total: 1 });
    await esm.poll();
    clock.advance(60_000);
    await esm.poll();

    expect(seen).toEqual([ids, [ids[1]]]);
    expect(esm.stats).toMatchObject({ invocations: 2, deleted: 2, returnedToQueue: 2 });
  });

  it('treats a thrown error as a failure of the whole batch, and ends in the DLQ after maxReceiveCount', async () => {
    const { clock, queue, dlq } = queues(clockAt(), 2);
    await send(queue, 2);
    const esm = mapping(queue, clock, async () => {
      throw new Error('Athena is down');
    });

    await esm.poll();
    expect(queue.counts().notVisible).toBe(2);
    clock.advance(60_000);
    await esm.poll();
    clock.advance(60_000);
    await esm.poll();

    expect(esm.stats.invocations).toBe(2);
    expect(queue.counts().total).toBe(0);
    expect(dlq.counts().visible).toBe(2);
  });

  it('treats an itemIdentifier that is not in the batch as a failure of the whole batch', async () => {
    const { queue, clock } = queues();
    await send(queue, 2);
    await mapping(queue, clock, async () => ({
      batchItemFailures: [{ itemIdentifier: 'not-a-message' }],
    })).poll();
    expect(queue.counts()).toEqual({ visible: 0, notVisible: 2, total: 2 });
  });

  it('treats an empty batchItemFailures list as full success', async () => {
    const { queue, clock } = queues();
    await send(queue, 2);
    await mapping(queue, clock, async () => ({ batchItemFailures: [] })).poll();
    expect(queue.counts().total).toBe(0);
  });

  it('waits for the batching window unless the batch is full', async () => {
    const { clock, queue } = queues();
    const sizes: number[] = [];
    const esm = mapping(
      queue,
      clock,
      async (event) => {
        sizes.push(event.Records.length);
      },
      { batchSize: 20, maximumBatchingWindowInSeconds: 5 },
    );
    await send(queue, 3);

    expect(await esm.poll()).toBe(0);
    expect(esm.nextDueAt()).toBe(T0 + 5000);
    clock.advance(5000);
    expect(await esm.poll()).toBe(1);
    await send(queue, 45);
    expect(await esm.poll()).toBe(2);

    expect(sizes).toEqual([3, 20, 20]);
  });

  it('refuses a function timeout longer than the queue visibility timeout, as CreateEventSourceMapping does', () => {
    const { clock, queue } = queues();
    expect(
      () =>
        new SqsEventSourceMapping({
          queue,
          clock,
          handler: async () => undefined,
          functionName: 'f',
          timeoutSeconds: 61,
        }),
    ).toThrow(/visibility timeout: 60 seconds is less than Function timeout: 61 seconds/);
  });

  describe('in the background mode (an invocation runs while the rest of the cloud moves on)', () => {
    /** A handler that returns only when told to, recording the batches it got. */
    const held = () => {
      const batches: string[][] = [];
      const releases: (() => void)[] = [];
      const handler = async (event: SQSEvent) => {
        batches.push(event.Records.map((record) => record.body));
        await new Promise<void>((release) => releases.push(release));
      };
      return { batches, handler, release: () => releases.shift()?.() };
    };
    const background = (
      queue: SqsQueue,
      clock: ReturnType<typeof clockAt>,
      handler: (event: SQSEvent) => Promise<void>,
    ) => mapping(queue, clock, handler, { timeoutSeconds: 30, background: true });

    it('starts an invocation and returns; the batch stays in flight until it is settled', async () => {
      const { clock, queue } = queues();
      await send(queue, 2);
      const { batches, handler, release } = held();
      const esm = background(queue, clock, handler);

      expect(await esm.poll()).toBe(1);
      expect(esm.inFlight).toBe(true);
      expect(queue.counts()).toEqual({ visible: 0, notVisible: 2, total: 2 });
      // Settled before the visibility timeout could show the batch again, so that is not due.
      expect(esm.nextDueAt()).toBeUndefined();

      release();
      await esm.idle();
      expect(queue.counts().total).toBe(2);
      expect(await esm.settle()).toBe(true);
      expect(queue.counts().total).toBe(0);
      expect(await esm.settle()).toBe(false);
      expect(batches).toEqual([['{"n":0}', '{"n":1}']]);
    });

    it('runs one invocation at a time: a new batch waits for the one in flight to be settled', async () => {
      const { clock, queue } = queues();
      await send(queue, 1);
      const { batches, handler, release } = held();
      const esm = background(queue, clock, handler);
      await esm.poll();
      await send(queue, 1);

      let polled = false;
      const second = esm.poll().then((count) => {
        polled = true;
        return count;
      });
      await new Promise((resolve) => setImmediate(resolve));
      expect(polled).toBe(false);
      expect(batches).toHaveLength(1);

      release();
      expect(await second).toBe(1);
      expect(batches).toEqual([['{"n":0}'], ['{"n":0}']]);
      expect(queue.counts()).toEqual({ visible: 0, notVisible: 1, total: 1 });
      release();
      await esm.settle();
      expect(queue.counts().total).toBe(0);
    });

    it('settles at the first poll after the function timeout, before the visibility timeout', async () => {
      const { clock, queue } = queues();
      await send(queue, 1);
      const { handler, release } = held();
      const esm = background(queue, clock, handler);
      await esm.poll();

      clock.advance(29_000);
      release();
      await esm.idle();
      expect(await esm.poll()).toBe(0);
      expect(esm.inFlight).toBe(true);
      clock.advance(1_000);
      expect(await esm.poll()).toBe(0);
      expect(esm.inFlight).toBe(false);
      expect(queue.counts().total).toBe(0);
    });

    it('returns a failed batch to the queue when it is settled', async () => {
      const { clock, queue } = queues();
      await send(queue, 1);
      const esm = new SqsEventSourceMapping({
        queue,
        clock,
        handler: async () => {
          throw new Error('Athena is down');
        },
        functionName: 'f',
        background: true,
      });
      await esm.poll();
      await esm.settle();

      expect(esm.stats).toMatchObject({ invocations: 1, failedInvocations: 1, returnedToQueue: 1 });
      expect(esm.nextDueAt()).toBe(T0 + 60_000);
    });
  });

  it('refuses a batch size above 10 without a batching window of at least 1 s', () => {
    const { clock, queue } = queues();
    expect(() => mapping(queue, clock, async () => undefined, { batchSize: 11 })).toThrow(/at least 1/);
  });
});
