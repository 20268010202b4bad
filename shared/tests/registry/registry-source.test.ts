import {
  GetObjectCommand,
  S3Client,
  S3ServiceException,
  type GetObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { RegistryCache } from '../../src/registry';
import { S3RegistrySource } from '../../src/registry/adapters/registry-source';

const s3 = mockClient(S3Client);
const BUCKET = 'pipeline-dev-ingest';
const KEY = 'reference/devices/registry.jsonl';

// The SDK's streaming body as the adapter uses it (the stream mixin is not a dependency here).
const body = (text: string) =>
  ({ transformToString: async () => text }) as unknown as GetObjectCommandOutput['Body'];
const notModified = () =>
  new S3ServiceException({
    name: 'NotModified',
    $fault: 'client',
    $metadata: { httpStatusCode: 304 },
    message: '',
  });

beforeEach(() => s3.reset());

describe('S3RegistrySource', () => {
  const source = () =>
    new S3RegistrySource({ client: new S3Client({ region: 'eu-west-1' }), bucket: BUCKET, key: KEY });

  it('downloads the registry object with its ETag and format', async () => {
    s3.on(GetObjectCommand).resolves({ Body: body('{"device_id":"a","site":"s"}\n'), ETag: '"abc"' });
    await expect(source().fetch()).resolves.toEqual({
      changed: true,
      etag: '"abc"',
      text: '{"device_id":"a","site":"s"}\n',
      format: 'jsonl',
    });
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, {
      Bucket: BUCKET,
      Key: KEY,
      IfNoneMatch: undefined,
    });
  });

  it('sends the held ETag as If-None-Match and reads 304 as unchanged', async () => {
    s3.on(GetObjectCommand).rejects(notModified());
    await expect(source().fetch('"abc"')).resolves.toEqual({ changed: false });
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { IfNoneMatch: '"abc"' });
  });

  it('passes other errors on', async () => {
    s3.on(GetObjectCommand).rejects(
      new S3ServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
        message: 'Access Denied',
      }),
    );
    await expect(source().fetch('"abc"')).rejects.toThrow('Access Denied');
  });

  it('feeds a RegistryCache that picks up a new ETag after the refresh interval', async () => {
    let clock = 0;
    s3.on(GetObjectCommand)
      .resolvesOnce({ Body: body('{"device_id":"dev-1","site":"plant-a"}\n'), ETag: '"v1"' })
      .rejectsOnce(notModified())
      .resolvesOnce({ Body: body('{"device_id":"dev-1","site":"plant-b"}\n'), ETag: '"v2"' });
    const cache = new RegistryCache({ source: source(), refreshIntervalMs: 300_000, now: () => clock });
    expect((await cache.current()).registry?.get('dev-1')?.site).toBe('plant-a');
    clock += 300_000;
    expect((await cache.current()).registry?.get('dev-1')?.site).toBe('plant-a');
    clock += 299_999;
    expect((await cache.current()).etag).toBe('"v1"');
    clock += 1;
    expect((await cache.current()).registry?.get('dev-1')?.site).toBe('plant-b');
    expect(s3.commandCalls(GetObjectCommand).map(({ args }) => args[0].input.IfNoneMatch)).toEqual([
      undefined,
      '"v1"',
      '"v1"',
    ]);
  });
});
