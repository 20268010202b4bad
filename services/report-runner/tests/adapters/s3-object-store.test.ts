import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
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
});
