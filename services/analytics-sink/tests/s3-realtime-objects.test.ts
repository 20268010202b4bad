import { HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { S3RealtimeObjects } from '../src/adapters/s3-realtime-objects';

const s3 = mockClient(S3Client);
const objects = () => new S3RealtimeObjects(new S3Client({ region: 'eu-west-1' }), 'realtime-bucket');
const failure = (httpStatusCode: number, name: string) =>
  new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode } });

describe('S3RealtimeObjects', () => {
  beforeEach(() => s3.reset());

  it('puts the object under its key with its content type', async () => {
    s3.on(PutObjectCommand).resolves({});
    await objects().put(
      'realtime/realtime_alert/dt=2026-11-25/hour=08/a.json.gz',
      Buffer.from('x'),
      'application/gzip',
    );
    expect(s3.commandCalls(PutObjectCommand)[0]!.args[0].input).toMatchObject({
      Bucket: 'realtime-bucket',
      Key: 'realtime/realtime_alert/dt=2026-11-25/hour=08/a.json.gz',
      ContentType: 'application/gzip',
    });
  });

  it('reads a 404 answer to HEAD as a missing object', async () => {
    s3.on(HeadObjectCommand).rejects(failure(404, 'NotFound'));
    await expect(objects().exists('k')).resolves.toBe(false);
  });

  it('fails on 403 (no s3:ListBucket): a missing grant must not read as "alert never sent"', async () => {
    s3.on(HeadObjectCommand).rejects(failure(403, 'Forbidden'));
    await expect(objects().exists('k')).rejects.toThrow();
  });

  it('reads a 200 answer as an existing object', async () => {
    s3.on(HeadObjectCommand).resolves({});
    await expect(objects().exists('k')).resolves.toBe(true);
  });
});
