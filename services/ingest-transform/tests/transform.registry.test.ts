import './environment';
import './registry-environment';
import './verbose-logging';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as S3Sdk from '@aws-sdk/client-s3';
import type { GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { lambdaContext } from '@pipeline/shared/testing';
import type { FirehoseTransformationResponse } from '@pipeline/shared';
import type { handler as Handler } from '../src/handlers/transform';
import { captureEmitted } from './emitted';
import { decodeData, loadEvent } from './events';

const REGISTRY_V1 = readFileSync(join(__dirname, 'fixtures', 'registry.jsonl'), 'utf8');
// Version 2: dev-0004 registered, dev-0001 moved to another site.
const REGISTRY_V2 = `${REGISTRY_V1.replace('"site":"plant-hamburg"', '"site":"plant-bremen"')}${JSON.stringify(
  {
    device_id: 'dev-0004',
    site: 'warehouse-porto',
    model: 'TH-200',
    owner: 'logistics',
    location: 'Bay 12',
    install_date: '2025-06-01',
  },
)}\n`;

const REFRESH_MS = 300_000;
const START = Date.parse('2026-11-25T08:01:00.000Z');

// The SDK's streaming body as S3RegistrySource reads it.
const body = (text: string) =>
  ({ transformToString: async () => text }) as unknown as GetObjectCommandOutput['Body'];

type S3Module = typeof S3Sdk;

/**
 * A fresh Lambda container: the handler module loaded anew, with its own registry cache, and S3
 * mocked in that module registry (an isolated load has its own SDK classes to mock).
 */
const coldStart = async () => {
  let loaded:
    | { handler: typeof Handler; sdk: S3Module; s3: AwsClientStub<InstanceType<S3Module['S3Client']>> }
    | undefined;
  await jest.isolateModulesAsync(async () => {
    const sdk = await import('@aws-sdk/client-s3');
    const s3 = mockClient(sdk.S3Client);
    restorers.push(() => s3.restore());
    loaded = { handler: (await import('../src/handlers/transform')).handler, sdk, s3 };
  });
  const { handler, sdk, s3 } = loaded!;
  const s3Error = (name: string, status: number) =>
    new sdk.S3ServiceException({
      name,
      $fault: 'client',
      $metadata: { httpStatusCode: status },
      message: name,
    });
  return {
    handler,
    s3Error,
    /** Conditional GETs of the registry object, as S3 answers them: 304 while the ETag matches. */
    serveRegistry: (text: string, etag: string) =>
      s3.on(sdk.GetObjectCommand).callsFake(async ({ IfNoneMatch }) => {
        if (IfNoneMatch === etag) throw s3Error('NotModified', 304);
        return { Body: body(text), ETag: etag };
      }),
    failWith: (name: string, status: number) => s3.on(sdk.GetObjectCommand).rejects(s3Error(name, status)),
    gets: () => s3.commandCalls(sdk.GetObjectCommand).map(({ args }) => args[0].input),
  };
};

const restorers: (() => void)[] = [];

const okRecords = (response: FirehoseTransformationResponse) =>
  response.records
    .filter(({ result }) => result === 'Ok')
    .map(({ data }) => decodeData(data) as Record<string, unknown>);

const byDevice = (response: FirehoseTransformationResponse) =>
  Object.fromEntries(okRecords(response).map((record) => [record.device_id, record]));

let now = START;
beforeEach(() => {
  now = START;
  jest.spyOn(Date, 'now').mockImplementation(() => now);
});
afterEach(() => {
  for (const restore of restorers.splice(0)) restore();
  jest.restoreAllMocks();
});

describe('transform handler with the device registry', () => {
  it('enriches known devices (registry site wins), flags and counts unknown ones', async () => {
    const { handler, serveRegistry, gets } = await coldStart();
    serveRegistry(REGISTRY_V1, '"v1"');

    const { metrics, logs } = await captureEmitted(async () => {
      const response = await handler(loadEvent('firehose-kinesis-source'), lambdaContext());
      const devices = byDevice(response);
      expect(devices['dev-0001']).toMatchObject({
        site: 'plant-hamburg',
        registered: true,
        model: 'TH-200',
        owner: 'facilities',
        location_label: 'Hall 3, north wall',
        install_date: '2024-05-17',
      });
      expect(devices['dev-0003']).toMatchObject({ site: 'plant-lyon', registered: true, model: null });
      // A canonical record forwarded by msk-consumer is enriched like a raw reading.
      expect(devices['dev-0101']).toMatchObject({ registered: true, model: 'KF-1', source: 'msk' });
      expect(devices['dev-0004']).toMatchObject({
        site: 'warehouse-porto',
        registered: false,
        model: null,
        owner: null,
        location_label: null,
        install_date: null,
        latitude: 41.1579,
      });
      expect(response.records.map(({ result }) => result)).toEqual(['Ok', 'Ok', 'Ok', 'Ok', 'Dropped', 'Ok']);
    });

    expect(metrics).toMatchObject({ RecordsOk: 5, RecordsUnregistered: 1, RegistryUnavailable: 0 });
    expect(logs.find(({ message }) => message === 'device registry loaded')).toMatchObject({
      level: 'INFO',
      key: 'reference/devices/registry.jsonl',
      etag: '"v1"',
      devices: 4,
    });
    expect(logs.find(({ message }) => message === 'batch transformed')).toMatchObject({
      ok: 5,
      unregistered: 1,
      registry: { etag: '"v1"', devices: 4 },
    });
    expect(gets()).toEqual([
      { Bucket: 'ingest-transform-dev-ingestbucket-1q2w3e4r5t6y', Key: 'reference/devices/registry.jsonl' },
    ]);
  });

  it('loads the registry once per container and picks up a new ETag only after the refresh interval', async () => {
    const { handler, serveRegistry, gets } = await coldStart();
    serveRegistry(REGISTRY_V1, '"v1"');
    const run = () => handler(loadEvent('firehose-kinesis-source'), lambdaContext());

    await captureEmitted(run);
    serveRegistry(REGISTRY_V2, '"v2"');
    now += REFRESH_MS - 1;
    const early = await captureEmitted(async () => {
      expect(byDevice(await run())['dev-0001']).toMatchObject({ site: 'plant-hamburg' });
    });
    expect(gets()).toHaveLength(1);
    expect(early.metrics).toMatchObject({ RecordsUnregistered: 1 });

    now += 1;
    const refreshed = await captureEmitted(async () => {
      const devices = byDevice(await run());
      expect(devices['dev-0001']).toMatchObject({ site: 'plant-bremen', registered: true });
      expect(devices['dev-0004']).toMatchObject({ registered: true, location_label: 'Bay 12' });
    });
    expect(refreshed.metrics).toMatchObject({ RecordsUnregistered: 0 });
    expect(gets().map(({ IfNoneMatch }) => IfNoneMatch)).toEqual([undefined, '"v1"']);
    expect(refreshed.logs.find(({ message }) => message === 'device registry loaded')).toMatchObject({
      etag: '"v2"',
      previousEtag: '"v1"',
      devices: 5,
    });

    // Unchanged since: a 304, and the parsed copy stays.
    now += REFRESH_MS;
    await captureEmitted(async () => {
      expect(byDevice(await run())['dev-0001']).toMatchObject({ site: 'plant-bremen' });
    });
    expect(gets().map(({ IfNoneMatch }) => IfNoneMatch)).toEqual([undefined, '"v1"', '"v2"']);
  });

  it('keeps the last good copy when the registry becomes unreadable or unparsable, and says so', async () => {
    const { handler, serveRegistry, failWith } = await coldStart();
    serveRegistry(REGISTRY_V1, '"v1"');
    const run = () => handler(loadEvent('firehose-kinesis-source'), lambdaContext());
    await captureEmitted(run);

    failWith('AccessDenied', 403);
    now += REFRESH_MS;
    const denied = await captureEmitted(async () => {
      expect(byDevice(await run())['dev-0001']).toMatchObject({ registered: true, site: 'plant-hamburg' });
    });
    expect(denied.logs.filter(({ level }) => level === 'ERROR')).toEqual([
      expect.objectContaining({
        message: 'device registry could not be refreshed: keeping the last good copy',
        etag: '"v1"',
        error: expect.objectContaining({ message: 'AccessDenied' }),
      }),
    ]);
    expect(denied.logs.find(({ message }) => message === 'batch transformed')).toMatchObject({
      registry: { etag: '"v1"', devices: 4, stale: true },
    });
    expect(denied.metrics).toMatchObject({ RecordsUnregistered: 1, RegistryUnavailable: 0 });

    // A new version with a bad line is refused as a whole: the last good copy stays.
    serveRegistry(`${REGISTRY_V1}{"device_id":"dev-0009","site":"plant lyon"}\n`, '"v3"');
    now += REFRESH_MS;
    const invalid = await captureEmitted(async () => {
      expect(byDevice(await run())['dev-0001']).toMatchObject({ registered: true, model: 'TH-200' });
    });
    expect(invalid.logs.filter(({ level }) => level === 'ERROR')).toEqual([
      expect.objectContaining({
        error: expect.objectContaining({ message: expect.stringContaining('line 5: site:') }),
      }),
    ]);
  });

  it('delivers records un-enriched on a cold start without a readable registry, logging an error per batch', async () => {
    const { handler, serveRegistry, failWith, gets } = await coldStart();
    failWith('NoSuchKey', 404);

    const first = await captureEmitted(async () => {
      const response = await handler(loadEvent('firehose-kinesis-source'), lambdaContext());
      expect(response.records.map(({ result }) => result)).toEqual(['Ok', 'Ok', 'Ok', 'Ok', 'Dropped', 'Ok']);
      for (const record of okRecords(response))
        expect(record).toMatchObject({ registered: false, model: null });
      expect(byDevice(response)['dev-0001']).toMatchObject({ site: 'plant-berlin' });
    });
    expect(first.metrics).toMatchObject({ RecordsOk: 5, RecordsUnregistered: 5, RegistryUnavailable: 1 });
    // Where RegistryUnavailableAlarm (serverless.ts) looks for it.
    expect(first.emf.find((document) => 'RegistryUnavailable' in document)).toMatchObject({
      service: 'ingest-transform',
      _aws: { CloudWatchMetrics: [{ Namespace: 'IngestionPipeline', Dimensions: [['service']] }] },
    });
    expect(first.logs.filter(({ level }) => level === 'ERROR').map(({ message }) => message)).toEqual([
      'device registry could not be loaded: records are delivered un-enriched',
      'device registry unavailable: records delivered un-enriched, flagged registered=false',
    ]);

    // The next batch, before the retry: no new S3 call, still one error line for the batch.
    now += 1_000;
    const second = await captureEmitted(() => handler(loadEvent('firehose-direct-put'), lambdaContext()));
    expect(gets()).toHaveLength(1);
    expect(second.logs.filter(({ level }) => level === 'ERROR')).toEqual([
      expect.objectContaining({
        message: 'device registry unavailable: records delivered un-enriched, flagged registered=false',
        reason: 'NoSuchKey',
      }),
    ]);

    // Once the object exists, the retry (at most 30 s later without a copy) loads it.
    serveRegistry(REGISTRY_V1, '"v1"');
    now += 30_000;
    const recovered = await captureEmitted(async () => {
      expect(
        byDevice(await handler(loadEvent('firehose-direct-put'), lambdaContext()))['dev-0001'],
      ).toMatchObject({
        registered: true,
      });
    });
    expect(recovered.metrics).toMatchObject({ RegistryUnavailable: 0, RecordsUnregistered: 0 });
  });
});
