import './support/environment';
import { Logger } from '@aws-lambda-powertools/logger';
import { KinesisClient, PutRecordsCommand, type PutRecordsCommandInput } from '@aws-sdk/client-kinesis';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { lambdaContext } from '@pipeline/shared/testing';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../src/handlers/consumer';
import { mskEvent } from './support/events';
import { TEST_ENVIRONMENT } from './support/environment';

const kinesis = mockClient(KinesisClient);
const s3 = mockClient(S3Client);

const accepted = (input: PutRecordsCommandInput) => ({
  FailedRecordCount: 0,
  Records: (input.Records ?? []).map((_, index) => ({
    ShardId: 'shardId-000000000000',
    SequenceNumber: String(index),
  })),
});

beforeEach(() => {
  kinesis.reset();
  s3.reset();
  kinesis.on(PutRecordsCommand).callsFake(accepted);
  s3.on(PutObjectCommand).resolves({ ETag: '"etag"' });
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});

afterEach(() => jest.restoreAllMocks());

// The deployed entry point: middy, Powertools parser/logger/metrics and the SDK-backed adapters.
describe('handler (deployed wiring)', () => {
  it('parses a real MSK event and writes the hub stream and the quarantine bucket', async () => {
    const summary = await handler(
      mskEvent('msk-poison') as never,
      lambdaContext('msk-consumer-test-consumer', 60_000),
    );

    expect(summary).toMatchObject({ received: 8, forwarded: 1 });
    const [put] = kinesis.commandCalls(PutRecordsCommand);
    expect(put?.args[0].input).toMatchObject({
      StreamName: TEST_ENVIRONMENT.HUB_STREAM_NAME,
      Records: [expect.objectContaining({ PartitionKey: 'dev-0001' })],
    });
    const objects = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(objects.map(({ Bucket, Key }) => [Bucket, Key])).toEqual([
      [TEST_ENVIRONMENT.QUARANTINE_BUCKET, 'errors/msk/dt=2026-11-25/hour=08/telemetry-0-2002-2002.ndjson'],
      [TEST_ENVIRONMENT.QUARANTINE_BUCKET, 'errors/msk/dt=2026-11-25/hour=08/telemetry-1-901-903.ndjson'],
      [TEST_ENVIRONMENT.QUARANTINE_BUCKET, 'errors/msk/dt=2026-11-25/hour=08/telemetry-2-6002-6002.ndjson'],
    ]);
  });

  // AWS serialises each header value as a Java byte[]: signed bytes, so a byte >= 0x80 arrives
  // negative (aws/aws-lambda-go#506, powertools-lambda-python#6862).
  it('processes an MSK event whose header bytes are signed, as AWS sends them', async () => {
    const summary = await handler(
      mskEvent('msk-signed-headers') as never,
      lambdaContext('msk-consumer-test-consumer', 60_000),
    );

    expect(summary).toMatchObject({ received: 2, forwarded: 1, quarantined: { invalid_json: 1 } });
    const [object] = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(JSON.parse(String(object?.Body))).toMatchObject({
      offset: 1,
      headers: [
        { name: 'site', value: { value: 'plant-köln', encoding: 'utf8' } },
        {
          name: 'trace',
          value: { value: Buffer.from([0xff, 0xfe, 0x00]).toString('base64'), encoding: 'base64' },
        },
      ],
    });
  });

  it('publishes the batch metrics as CloudWatch EMF', async () => {
    // Powertools writes EMF to its own console on stdout.
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);

    await handler(mskEvent('msk-poison') as never, lambdaContext('msk-consumer-test-consumer', 60_000));

    const documents = stdout.mock.calls
      .flatMap(([chunk]) => String(chunk).split('\n'))
      .filter((line) => line.includes('"_aws"'));
    const names = documents.flatMap((line) =>
      (
        JSON.parse(line) as { _aws: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] } }
      )._aws.CloudWatchMetrics.flatMap(({ Metrics }) => Metrics.map(({ Name }) => Name)),
    );
    expect(names).toEqual(
      expect.arrayContaining([
        'RecordsReceived',
        'RecordsForwarded',
        'HubRetries',
        'RecordsQuarantined',
        'RecordsSkipped',
      ]),
    );
  });

  it('fails the invocation when the hub keeps refusing records, so the batch is retried', async () => {
    kinesis
      .on(PutRecordsCommand)
      .rejects(
        Object.assign(new Error('Stream not found'), { name: 'ResourceNotFoundException', $fault: 'client' }),
      );

    await expect(
      handler(mskEvent('msk-telemetry') as never, lambdaContext('msk-consumer-test-consumer', 60_000)),
    ).rejects.toMatchObject({ name: 'HubWriteError' });
  });

  it('rejects an event that does not have the MSK shape', async () => {
    await expect(
      handler(
        { eventSource: 'aws:kafka', records: { 'telemetry-0': [{ topic: 'telemetry' }] } } as never,
        lambdaContext(),
      ),
    ).rejects.toThrow();
    expect(kinesis.commandCalls(PutRecordsCommand)).toHaveLength(0);
  });

  it('logs where a rejected event broke the schema, and none of its values', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error');
    const event = mskEvent('msk-telemetry');
    const record = event.records['telemetry-0']![0]!;
    (record as unknown as Record<string, unknown>).timestamp = 'device-secret-4711';

    await expect(handler(event as never, lambdaContext())).rejects.toMatchObject({
      name: 'EventSchemaError',
    });

    expect(errors).toHaveBeenCalledWith('event rejected by schema', {
      issueCount: 1,
      issues: [
        {
          path: 'records.telemetry-0.0.timestamp',
          message: 'Invalid input: expected number, received string',
          code: 'invalid_type',
        },
      ],
    });
    const logged = JSON.stringify(errors.mock.calls);
    expect(logged).not.toContain('device-secret-4711');
    expect(logged).not.toContain(record.value!);
  });
});
