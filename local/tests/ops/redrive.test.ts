import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { transformQuarantineObjects } from '@pipeline/ingest-transform';
import type { TransformQuarantineRecord } from '@pipeline/shared';
import { kinesisHub, s3Store } from '../../src/ops/aws';
import { listOption, REDRIVE_HELP } from '../../src/ops/cli';
import type { HubEntry, OpsHub, OpsObjectStore } from '../../src/ops/ports';
import { redrive } from '../../src/ops/redrive';

const AT = Date.parse('2026-11-25T08:10:00.000Z');
const ERROR_KEY = 'errors/processing-failed/dt=2026-11-25/hour=08/lake-1-2026-11-25-08-15-00-x';

/** The bytes of a device's message. */
const message = (device: string, n: number) => JSON.stringify({ deviceId: device, n });
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

// Firehose's error records (https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-failure-handling.html):
// the transform's ProcessingFailed records keep only Lambda.ProcessingFailedStatus; their reasons
// are in the transform's own quarantine records (errors/transform/).
const REJECTED: { device: string; n: number; reason: string }[] = [
  { device: 'dev-1', n: 1, reason: 'invalid_metrics' },
  { device: 'dev-1', n: 2, reason: 'event_time_in_future' },
  { device: 'dev-2', n: 3, reason: 'invalid_metrics' },
];
const errorLine = (data: string, errorCode: string, arrival = AT) =>
  JSON.stringify({
    attemptsMade: 1,
    arrivalTimestamp: arrival,
    errorCode,
    errorMessage: 'm',
    attemptEndingTimestamp: AT + 60_000,
    rawData: b64(data),
    lambdaArn: 'arn:aws:lambda:eu-west-1:123456789012:function:t',
  });
const ERROR_OBJECT = [
  ...REJECTED.map(({ device, n }) => errorLine(message(device, n), 'Lambda.ProcessingFailedStatus')),
  // A record of a batch Firehose gave up on, and one rejected without a quarantine record.
  errorLine(message('dev-3', 4), 'Lambda.FunctionError'),
  errorLine(message('dev-4', 5), 'Lambda.ProcessingFailedStatus'),
].join('\n');
const TRANSFORM_RECORDS: TransformQuarantineRecord[] = REJECTED.map(({ device, n, reason }) => ({
  reason,
  device_id: device,
  received_at_ms: AT,
  payload: b64(message(device, n)),
  detail: reason,
  record_id: `r${n}`,
}));

const memoryStore = (objects: Map<string, string>): OpsObjectStore => ({
  async *keys(prefix) {
    for (const key of [...objects.keys()].sort()) if (key.startsWith(prefix)) yield key;
  },
  get: async (key) => Buffer.from(objects.get(key) ?? ''),
  exists: async (key) => objects.has(key),
  putIfAbsent: async (key, body) => {
    if (objects.has(key)) return false;
    objects.set(key, body);
    return true;
  },
});

const recordingHub = (): OpsHub & { sent: string[] } => {
  const sent: string[] = [];
  return {
    sent,
    putRecords: async (entries: HubEntry[]) => {
      sent.push(...entries.map(({ Data }) => Buffer.from(Data).toString('utf8')));
      return { FailedRecordCount: 0, Records: entries.map(() => ({})) };
    },
    sleep: async () => undefined,
  };
};

const lake = () => {
  const objects = new Map<string, string>([[ERROR_KEY, `${ERROR_OBJECT}\n`]]);
  for (const { key, body } of transformQuarantineObjects(TRANSFORM_RECORDS)) objects.set(key, body);
  return objects;
};

describe('redrive by quarantine columns', () => {
  it('re-drives only the records of a reason, once, and the rest on a later unfiltered run', async () => {
    const objects = lake();
    const store = memoryStore(objects);
    const hub = recordingHub();

    const first = await redrive({ store, hub, reasons: ['invalid_metrics'], now: () => AT });
    expect(hub.sent).toEqual([message('dev-1', 1), message('dev-2', 3)]);
    expect(first).toMatchObject({ objects: 1, records: 2, notSelected: 3 });

    const again = await redrive({ store, hub, reasons: ['invalid_metrics'], now: () => AT });
    expect(again).toMatchObject({ records: 0, alreadyRedrivenRecords: 2 });
    expect(hub.sent).toHaveLength(2);

    const rest = await redrive({ store, hub, now: () => AT });
    expect(hub.sent.slice(2)).toEqual([message('dev-1', 2), message('dev-3', 4), message('dev-4', 5)]);
    expect(rest).toMatchObject({ records: 3, alreadyRedrivenRecords: 2 });
    expect(await redrive({ store, hub, now: () => AT })).toMatchObject({ objects: 0, alreadyRedriven: 1 });
  });

  it('selects by device id, and by an AWS error code for batches Firehose gave up on', async () => {
    const hub = recordingHub();
    const store = memoryStore(lake());
    await redrive({ store, hub, devices: ['dev-1'], now: () => AT });
    expect(hub.sent).toEqual([message('dev-1', 1), message('dev-1', 2)]);
    await redrive({ store, hub, reasons: ['Lambda.FunctionError'], now: () => AT });
    expect(hub.sent.slice(2)).toEqual([message('dev-3', 4)]);
  });

  it('combines filters (reason and device and hours) as an AND', async () => {
    const hub = recordingHub();
    const store = memoryStore(lake());
    await redrive({ store, hub, reasons: ['invalid_metrics'], devices: ['dev-2'], now: () => AT });
    expect(hub.sent).toEqual([message('dev-2', 3)]);
    const outside = await redrive({ store, hub, devices: ['dev-1'], from: '2026-11-25T09', now: () => AT });
    expect(outside).toMatchObject({ objects: 0, outOfRange: 1 });
  });

  it('counts a rejected record whose reason is unknown, and never selects it by reason', async () => {
    const hub = recordingHub();
    const summary = await redrive({
      store: memoryStore(lake()),
      hub,
      reasons: ['invalid_json'],
      now: () => AT,
    });
    expect(hub.sent).toEqual([]);
    expect(summary).toMatchObject({ records: 0, notSelected: 5, unknownReason: 1 });
  });

  it('reads S3 and puts into Kinesis through the AWS adapters, marking each re-driven record', async () => {
    const s3 = mockClient(S3Client);
    const kinesis = mockClient(KinesisClient);
    const objects = lake();
    // The SDK's streaming body, as s3Store reads it.
    const body = (key: string) =>
      ({ transformToByteArray: async () => new Uint8Array(Buffer.from(objects.get(key) ?? '')) }) as never;
    s3.on(ListObjectsV2Command).callsFake(({ Prefix }: { Prefix: string }) => ({
      Contents: [...objects.keys()].filter((key) => key.startsWith(Prefix)).map((Key) => ({ Key })),
    }));
    s3.on(GetObjectCommand).callsFake(({ Key }: { Key: string }) => ({ Body: body(Key) }));
    // HeadObject of a missing key: 404 NotFound (no marker yet).
    s3.on(HeadObjectCommand).rejects(
      new S3ServiceException({ name: 'NotFound', $fault: 'client', $metadata: { httpStatusCode: 404 } }),
    );
    s3.on(PutObjectCommand).resolves({});
    kinesis.on(PutRecordsCommand).resolves({ FailedRecordCount: 0, Records: [{}, {}] });

    const summary = await redrive({
      store: s3Store(new S3Client({ region: 'eu-west-1' }), 'ingest'),
      hub: kinesisHub(new KinesisClient({ region: 'eu-west-1' }), 'prod-telemetry'),
      reasons: ['invalid_metrics'],
      now: () => AT,
    });

    expect(summary).toMatchObject({ records: 2 });
    const [put] = kinesis.commandCalls(PutRecordsCommand);
    expect(put!.args[0].input.Records!.map(({ Data }) => Buffer.from(Data!).toString('utf8'))).toEqual([
      message('dev-1', 1),
      message('dev-2', 3),
    ]);
    const markers = s3.commandCalls(PutObjectCommand).map(({ args }) => args[0].input);
    expect(markers).toHaveLength(2);
    for (const marker of markers)
      expect(marker).toMatchObject({
        Bucket: 'ingest',
        IfNoneMatch: '*',
        Key: expect.stringMatching(/^errors\/redriven\//),
      });
    s3.restore();
    kinesis.restore();
  });
});

describe('npm run redrive filters', () => {
  it('takes --reason and --device repeated or comma-separated, and refuses an empty one', () => {
    expect(listOption(undefined)).toBeUndefined();
    expect(listOption(['invalid_metrics', 'invalid_json, Lambda.FunctionError'])).toEqual([
      'invalid_metrics',
      'invalid_json',
      'Lambda.FunctionError',
    ]);
    expect(() => listOption(['a,'])).toThrow(RangeError);
    expect(REDRIVE_HELP).toMatch(/--reason <reason>/);
    expect(REDRIVE_HELP).toMatch(/--device <id>/);
  });
});
