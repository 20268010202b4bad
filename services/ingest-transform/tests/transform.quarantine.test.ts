import './environment';
import { PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { TRANSFORM_QUARANTINE_PREFIX, type TransformQuarantineRecord } from '@pipeline/shared';
import { S3TransformQuarantine } from '../src/adapters/transform-quarantine';
import { transformQuarantineObjects } from '../src/domain/quarantine-objects';
import { createTransformHandler } from '../src/handlers/transform-handler';
import { settingsFromEnvironment } from '../src/settings';
import expectedBadOutcomes from './bad-records.expected.json';
import { loadEvent } from './events';

const handlerWith = (put: (records: readonly TransformQuarantineRecord[]) => Promise<void>) =>
  createTransformHandler({
    settings: settingsFromEnvironment(),
    logger: new Logger({ logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'test', serviceName: 'ingest-transform' }),
    quarantine: { put },
  });

describe('transform quarantine', () => {
  it('keeps the reason of every ProcessingFailed record, which Firehose does not keep', async () => {
    // Firehose's error record of a ProcessingFailed record holds only errorCode
    // Lambda.ProcessingFailedStatus and the original rawData:
    // https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-failure-handling.html
    const event = loadEvent('firehose-bad-records');
    const written: TransformQuarantineRecord[] = [];
    const response = await handlerWith(async (records) => void written.push(...records))(event);

    const failed = response.records.filter((record) => record.result === 'ProcessingFailed');
    expect(written.map((record) => record.record_id)).toEqual(failed.map((record) => record.recordId));
    expect(written.map((record) => record.reason)).toEqual(
      expectedBadOutcomes.filter((outcome) => outcome !== 'Ok'),
    );
    for (const record of written) {
      const input = event.records.find(({ recordId }) => recordId === record.record_id)!;
      expect(record.payload).toBe(input.data);
      expect(record.received_at_ms).toBe(input.approximateArrivalTimestamp);
    }
    // A record whose JSON names a device shows it; bytes that are not JSON show none.
    expect(written.find((record) => record.reason === 'invalid_metrics')?.device_id).toEqual(
      expect.any(String),
    );
    expect(written.find((record) => record.reason === 'invalid_base64')?.device_id).toBeNull();
  });

  it('writes nothing when the batch has no rejection', async () => {
    const put = jest.fn(async () => undefined);
    await handlerWith(put)(loadEvent('firehose-kinesis-source'));
    expect(put).not.toHaveBeenCalled();
  });

  it('fails the invocation when the quarantine cannot be written, so Firehose retries the batch', async () => {
    await expect(
      handlerWith(async () => {
        throw new Error('SlowDown');
      })(loadEvent('firehose-bad-records')),
    ).rejects.toThrow('SlowDown');
  });

  it('groups records by arrival hour under a key derived from their record ids', () => {
    const record = (id: string, at: string): TransformQuarantineRecord => ({
      reason: 'invalid_json',
      device_id: null,
      received_at_ms: Date.parse(at),
      payload: 'e30=',
      detail: 'x',
      record_id: id,
    });
    const objects = transformQuarantineObjects([
      record('a', '2026-11-25T07:59:59.000Z'),
      record('b', '2026-11-25T08:00:00.000Z'),
      record('c', '2026-11-25T08:30:00.000Z'),
    ]);
    expect(objects.map(({ key }) => key.slice(0, key.lastIndexOf('/') + 1))).toEqual([
      `${TRANSFORM_QUARANTINE_PREFIX}dt=2026-11-25/hour=07/`,
      `${TRANSFORM_QUARANTINE_PREFIX}dt=2026-11-25/hour=08/`,
    ]);
    expect(
      objects[1]!.body
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line).record_id),
    ).toEqual(['b', 'c']);
    // The same records (a retried invocation) give the same keys.
    expect(
      transformQuarantineObjects([
        record('b', '2026-11-25T08:00:00.000Z'),
        record('c', '2026-11-25T08:30:00.000Z'),
      ])[0]!.key,
    ).toBe(objects[1]!.key);
  });

  it('puts each object once: a retried invocation finds it written (412) and goes on', async () => {
    const s3 = mockClient(S3Client);
    s3.on(PutObjectCommand)
      .resolvesOnce({})
      .rejects(
        new S3ServiceException({
          name: 'PreconditionFailed',
          $fault: 'client',
          $metadata: { httpStatusCode: 412 },
        }),
      );
    const quarantine = new S3TransformQuarantine({ client: new S3Client({}), bucket: 'ingest' });
    const records: TransformQuarantineRecord[] = [
      {
        reason: 'invalid_json',
        device_id: null,
        received_at_ms: 0,
        payload: 'e30=',
        detail: 'x',
        record_id: 'a',
      },
    ];
    await quarantine.put(records);
    await quarantine.put(records);
    const calls = s3.commandCalls(PutObjectCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.args[0].input).toMatchObject({ Bucket: 'ingest', IfNoneMatch: '*' });
    expect(calls[0]!.args[0].input.Key).toMatch(/^errors\/transform\/dt=1970-01-01\/hour=00\/.+\.ndjson$/);
    s3.restore();
  });
});
