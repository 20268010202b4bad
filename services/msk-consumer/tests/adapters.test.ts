import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { S3Quarantine } from '../src/adapters/s3-quarantine';
import { planOf } from './support/plans';

describe('S3Quarantine', () => {
  const s3 = mockClient(S3Client);
  beforeEach(() => s3.reset());

  it('writes one JSON-lines object per topic-partition with every quarantined record', async () => {
    s3.on(PutObjectCommand).resolves({});
    const { quarantine } = planOf('msk-poison');

    await new S3Quarantine({
      client: new S3Client({ region: 'us-east-1' }),
      bucket: 'quarantine-bucket',
    }).put(quarantine);

    const inputs = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(inputs).toHaveLength(3);
    expect(
      inputs.every(
        ({ Bucket, ContentType }) => Bucket === 'quarantine-bucket' && ContentType === 'application/x-ndjson',
      ),
    ).toBe(true);
    const lines = inputs.flatMap(({ Body }) =>
      String(Body)
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line)),
    );
    expect(lines.map(({ offset }) => offset).sort()).toEqual(quarantine.map(({ offset }) => offset).sort());
  });

  it('writes nothing for a batch without poison', async () => {
    await new S3Quarantine({
      client: new S3Client({ region: 'us-east-1' }),
      bucket: 'quarantine-bucket',
    }).put([]);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('fails when S3 fails, so the batch is retried rather than lost', async () => {
    s3.on(PutObjectCommand).rejects(new Error('SlowDown'));
    await expect(
      new S3Quarantine({ client: new S3Client({ region: 'us-east-1' }), bucket: 'b' }).put(
        planOf('msk-poison').quarantine,
      ),
    ).rejects.toThrow('SlowDown');
  });
});
