import {
  GetObjectCommand,
  ListObjectsV2Command,
  type GetObjectCommandOutput,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { S3ObjectStore } from '../../src/adapters/s3-object-store';

const s3 = mockClient(S3Client);

describe('the S3 object store', () => {
  beforeEach(() => {
    s3.reset();
    s3.on(PutObjectCommand).resolves({});
  });

  it('puts the body with its content type, and Cache-Control only when asked', async () => {
    const store = new S3ObjectStore(new S3Client({ region: 'us-east-1' }), 'reports-bucket');
    await store.put('reports/a/part-00000.json', '{}\n', 'application/x-ndjson');
    await store.put('dashboard/index.html', '<!doctype html>', 'text/html; charset=utf-8', {
      cacheControl: 'no-cache',
    });
    expect(s3.commandCalls(PutObjectCommand).map(({ args }) => args[0].input)).toEqual([
      {
        Bucket: 'reports-bucket',
        Key: 'reports/a/part-00000.json',
        Body: '{}\n',
        ContentType: 'application/x-ndjson',
      },
      {
        Bucket: 'reports-bucket',
        Key: 'dashboard/index.html',
        Body: '<!doctype html>',
        ContentType: 'text/html; charset=utf-8',
        CacheControl: 'no-cache',
      },
    ]);
    expect(store.uri('dashboard/index.html')).toBe('s3://reports-bucket/dashboard/index.html');
  });

  // ListObjectsV2: up to 1,000 keys a page, ascending; StartAfter applies to the first request, a
  // truncated page's NextContinuationToken to the next.
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
  it('lists every page of a prefix, starting after a key, and passes the continuation token on', async () => {
    s3.on(ListObjectsV2Command)
      .resolvesOnce({
        Contents: [{ Key: 'reports/a/dt=2026-03-02/hour=10/_manifest.json' }],
        IsTruncated: true,
        NextContinuationToken: 't1',
      })
      .resolvesOnce({
        Contents: [{ Key: 'reports/a/dt=2026-03-02/hour=11/_manifest.json' }],
        IsTruncated: false,
      });
    const store = new S3ObjectStore(new S3Client({ region: 'us-east-1' }), 'reports-bucket');
    expect(await store.list('reports/a/', 'reports/a/dt=2026-03-02')).toEqual([
      'reports/a/dt=2026-03-02/hour=10/_manifest.json',
      'reports/a/dt=2026-03-02/hour=11/_manifest.json',
    ]);
    expect(s3.commandCalls(ListObjectsV2Command).map(({ args }) => args[0].input)).toEqual([
      { Bucket: 'reports-bucket', Prefix: 'reports/a/', StartAfter: 'reports/a/dt=2026-03-02' },
      { Bucket: 'reports-bucket', Prefix: 'reports/a/', ContinuationToken: 't1' },
    ]);
  });

  it('asks for no more keys than a limit, and stops there', async () => {
    s3.on(ListObjectsV2Command).resolves({
      Contents: [{ Key: 'reports/a/dt=2026-03-02/hour=10/_manifest.json' }],
      IsTruncated: true,
      NextContinuationToken: 't1',
    });
    const store = new S3ObjectStore(new S3Client({ region: 'us-east-1' }), 'reports-bucket');
    expect(await store.list('reports/a/', undefined, 1)).toEqual([
      'reports/a/dt=2026-03-02/hour=10/_manifest.json',
    ]);
    expect(s3.commandCalls(ListObjectsV2Command).map(({ args }) => args[0].input)).toEqual([
      { Bucket: 'reports-bucket', Prefix: 'reports/a/', MaxKeys: 1 },
    ]);
  });

  it('reads an object as text, and a key that does not exist as undefined', async () => {
    s3.on(GetObjectCommand, { Key: 'reports/a/part-00000.json' })
      .resolves({
        Body: { transformToString: async () => '{"a":1}\n' } as unknown as GetObjectCommandOutput['Body'],
      })
      .on(GetObjectCommand, { Key: 'missing' })
      .rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }));
    const store = new S3ObjectStore(new S3Client({ region: 'us-east-1' }), 'reports-bucket');
    expect(await store.get('reports/a/part-00000.json')).toBe('{"a":1}\n');
    expect(await store.get('missing')).toBeUndefined();
  });
});
