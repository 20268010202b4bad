import { S3EventNotificationEventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/s3';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { md5Hex } from '../../src/aws/environment';
import { EventBus } from '../../src/aws/eventbridge/EventBus';
import { matchesPattern } from '../../src/aws/eventbridge/pattern';
import { ObjectStore, type ObjectCreatedEvent } from '../../src/aws/s3/ObjectStore';
import { SqsQueue, sqsTarget } from '../../src/aws/sqs/SqsQueue';
import { clockAt, filesUnder, T0, tempRoot } from './support';

describe('object store', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  let store: ObjectStore;
  const clock = clockAt();

  beforeEach(async () => {
    ({ root, cleanup } = await tempRoot());
    store = new ObjectStore({ root, clock });
    await store.createBucket('ingest');
  });
  afterEach(() => cleanup());

  it('keeps one folder per bucket and one file per object, with no temporary files left behind', async () => {
    const { ETag, Size } = await store.putObject({
      Bucket: 'ingest',
      Key: 'raw/dt=2026-03-01/hour=10/a.parquet',
      Body: 'hello',
    });

    expect(ETag).toBe(`"${md5Hex('hello')}"`);
    expect(Size).toBe(5);
    expect(await filesUnder(root)).toEqual([join('ingest', 'raw', 'dt=2026-03-01', 'hour=10', 'a.parquet')]);
    expect(await readFile(store.pathOf('ingest', 'raw/dt=2026-03-01/hour=10/a.parquet'), 'utf8')).toBe(
      'hello',
    );
    expect(
      (
        await store.getObject({ Bucket: 'ingest', Key: 'raw/dt=2026-03-01/hour=10/a.parquet' })
      ).Body.toString(),
    ).toBe('hello');
  });

  it('fails a conditional put (If-None-Match: *) on an existing key with 412 and keeps the first object', async () => {
    await store.putObject({ Bucket: 'ingest', Key: 'markers/run-1', Body: 'first', IfNoneMatch: '*' });

    await expect(
      store.putObject({ Bucket: 'ingest', Key: 'markers/run-1', Body: 'second', IfNoneMatch: '*' }),
    ).rejects.toMatchObject({
      name: 'PreconditionFailed',
      $metadata: { httpStatusCode: 412 },
    });
    expect((await store.getObject({ Bucket: 'ingest', Key: 'markers/run-1' })).Body.toString()).toBe('first');
    expect(await filesUnder(root)).toEqual([join('ingest', 'markers', 'run-1')]);
  });

  it('lets exactly one of many concurrent conditional puts of a key win', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, index) =>
        store.putObject({ Bucket: 'ingest', Key: 'k', Body: `${index}`, IfNoneMatch: '*' }),
      ),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
  });

  it('overwrites on an unconditional put, atomically', async () => {
    await store.putObject({ Bucket: 'ingest', Key: 'k', Body: 'one' });
    await store.putObject({ Bucket: 'ingest', Key: 'k', Body: 'two' });
    expect((await store.getObject({ Bucket: 'ingest', Key: 'k' })).Body.toString()).toBe('two');
  });

  describe('for a reader of the folders that runs while the simulation writes (report runs)', () => {
    const put = (Key: string, Body = 'x') => store.putObject({ Bucket: 'ingest', Key, Body });

    it('tells the files that existed at a snapshot from those created after it', async () => {
      await put('raw/a');
      const existed = store.snapshot();
      await put('raw/b');

      expect(existed(store.pathOf('ingest', 'raw/a'))).toBe(true);
      expect(existed(store.pathOf('ingest', 'raw/b'))).toBe(false);
      // Files this store did not create (an earlier run's) existed all along.
      expect(existed(join(root, 'ingest', 'raw', 'from-an-earlier-run'))).toBe(true);
      expect(store.snapshot()(store.pathOf('ingest', 'raw/b'))).toBe(true);
    });

    it('holds the replacement or deletion of an object until the reader is done, not a new object', async () => {
      await put('raw/a', 'first');
      let done!: () => void;
      const reading = new Promise<void>((resolve) => (done = resolve));
      store.holdChangesWhile(() => reading);

      await put('raw/new');
      const changes = [put('raw/a', 'second'), store.deleteObject({ Bucket: 'ingest', Key: 'raw/new' })];
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await readFile(store.pathOf('ingest', 'raw/a'), 'utf8')).toBe('first');
      expect(await filesUnder(root)).toContain(join('ingest', 'raw', 'new'));

      done();
      await Promise.all(changes);
      expect(await readFile(store.pathOf('ingest', 'raw/a'), 'utf8')).toBe('second');
      expect(await filesUnder(root)).not.toContain(join('ingest', 'raw', 'new'));
    });
  });

  it('answers NoSuchKey and NoSuchBucket like S3', async () => {
    await expect(store.getObject({ Bucket: 'ingest', Key: 'missing' })).rejects.toMatchObject({
      name: 'NoSuchKey',
    });
    await expect(store.putObject({ Bucket: 'nope', Key: 'k', Body: '' })).rejects.toMatchObject({
      name: 'NoSuchBucket',
    });
  });

  it('lists keys in UTF-8 binary order, by prefix, page by page', async () => {
    for (const key of ['raw/b', 'raw/a', 'raw/c/d', 'errors/x', 'raw/A'])
      await store.putObject({ Bucket: 'ingest', Key: key, Body: key });

    const first = await store.listObjectsV2({ Bucket: 'ingest', Prefix: 'raw/', MaxKeys: 2 });
    const second = await store.listObjectsV2({
      Bucket: 'ingest',
      Prefix: 'raw/',
      MaxKeys: 2,
      ContinuationToken: first.NextContinuationToken as string,
    });

    expect(first.Contents.map((object) => object.Key)).toEqual(['raw/A', 'raw/a']);
    expect(first.IsTruncated).toBe(true);
    expect(second.Contents.map((object) => object.Key)).toEqual(['raw/b', 'raw/c/d']);
    expect(second.IsTruncated).toBe(false);
    const all: string[] = [];
    for await (const key of store.keys('ingest')) all.push(key);
    expect(all).toEqual(['errors/x', 'raw/A', 'raw/a', 'raw/b', 'raw/c/d']);
  });

  it('announces each new object with the EventBridge "Object Created" event S3 sends', async () => {
    const events: ObjectCreatedEvent[] = [];
    store.onObjectCreated((event) => {
      events.push(event);
    });

    await store.putObject({ Bucket: 'ingest', Key: 'raw/dt=2026-03-01/hour=10/part-1', Body: 'abc' });

    expect(events).toEqual([
      {
        version: '0',
        id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
        'detail-type': 'Object Created',
        source: 'aws.s3',
        account: '000000000000',
        time: new Date(T0).toISOString().replace('.000Z', 'Z'),
        region: 'us-east-1',
        resources: ['arn:aws:s3:::ingest'],
        detail: {
          version: '0',
          bucket: { name: 'ingest' },
          object: {
            key: 'raw/dt=2026-03-01/hour=10/part-1',
            size: 3,
            etag: md5Hex('abc'),
            sequencer: expect.stringMatching(/^[0-9A-F]{16}$/),
          },
          'request-id': expect.stringMatching(/^[0-9A-F]{16}$/),
          requester: '000000000000',
          'source-ip-address': '127.0.0.1',
          reason: 'PutObject',
        },
      },
    ]);
    expect(S3EventNotificationEventBridgeSchema.parse(events[0])).toEqual(events[0]);
  });

  it('announces nothing for a conditional put that lost', async () => {
    const events: ObjectCreatedEvent[] = [];
    store.onObjectCreated((event) => {
      events.push(event);
    });
    await store.putObject({ Bucket: 'ingest', Key: 'k', Body: 'a', IfNoneMatch: '*' });
    await store.putObject({ Bucket: 'ingest', Key: 'k', Body: 'b', IfNoneMatch: '*' }).catch(() => undefined);
    expect(events).toHaveLength(1);
  });
});

describe('EventBridge rule to SQS', () => {
  it('queues only the raw/ objects of the ingest bucket, with the event JSON as the message body', async () => {
    const { root, cleanup } = await tempRoot();
    try {
      const clock = clockAt();
      const store = new ObjectStore({ root, clock });
      await store.createBucket('ingest');
      const queue = new SqsQueue({ name: 'report-requests', clock });
      const bus = new EventBus();
      bus.putRule({
        name: 'raw-objects',
        eventPattern: {
          source: ['aws.s3'],
          'detail-type': ['Object Created'],
          detail: { bucket: { name: ['ingest'] }, object: { key: [{ prefix: 'raw/' }] } },
        },
        targets: [sqsTarget(queue)],
      });
      const events: ObjectCreatedEvent[] = [];
      store.onObjectCreated(async (event) => {
        events.push(event);
        await bus.putEvents([event]);
      });

      await store.putObject({ Bucket: 'ingest', Key: 'raw/dt=2026-03-01/hour=10/a', Body: 'x' });
      await store.putObject({ Bucket: 'ingest', Key: 'errors/processing-failed/b', Body: 'y' });

      const { Messages } = await queue.receiveMessage({ MaxNumberOfMessages: 10 });
      expect(Messages.map((message) => JSON.parse(message.Body))).toEqual([events[0]]);
    } finally {
      await cleanup();
    }
  });

  it('matches EventBridge pattern operators: exact, prefix, suffix, anything-but, exists, numeric', () => {
    const event = {
      source: 'aws.s3',
      detail: { object: { key: 'raw/a.parquet', size: 10 }, tags: ['x', 'y'] },
    };
    expect(matchesPattern({ detail: { object: { key: [{ suffix: '.parquet' }] } } }, event)).toBe(true);
    expect(
      matchesPattern({ detail: { object: { key: [{ 'anything-but': { prefix: 'errors/' } }] } } }, event),
    ).toBe(true);
    expect(matchesPattern({ detail: { object: { size: [{ numeric: ['>', 5, '<=', 10] }] } } }, event)).toBe(
      true,
    );
    expect(matchesPattern({ detail: { object: { size: [{ numeric: ['>', 10] }] } } }, event)).toBe(false);
    expect(matchesPattern({ detail: { tags: ['y'] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { missing: [{ exists: false }] } }, event)).toBe(true);
    expect(matchesPattern({ source: ['aws.ec2'] }, event)).toBe(false);
  });
});

describe('object store location', () => {
  it('defaults to .local/ at the repository root', () => {
    expect(new ObjectStore({ clock: clockAt() }).root).toBe(join(__dirname, '..', '..', '..', '.local'));
  });
});
