import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import { GetObjectCommand, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { registryFormatFor, type RegistrySettings, type RegistrySource } from '../../src/registry';
import { createRegistryCache, registrySourceFor, S3RegistrySource } from '../../src/registry/adapters';

const s3 = mockClient(S3Client);
const KEY = 'reference/devices/registry.jsonl';
const DEPLOYED: RegistrySettings = {
  bucket: 'ingest-transform-dev-ingestbucket-1a2b3c4d5e6f',
  key: KEY,
  refreshIntervalMs: 300_000,
};
const OTHER_BUCKET: RegistrySettings = { ...DEPLOYED, bucket: 'another-ingest-bucket' };
const VERSION_1 = '{"device_id":"dev-1","site":"plant-a"}\n';
const VERSION_2 = '{"device_id":"dev-1","site":"plant-b"}\n{"device_id":"dev-2","site":"plant-b"}\n';

/** A source reading a file on every fetch (a changed file is a new version). */
const fileSource = (file: string): RegistrySource => ({
  fetch: async (etag) => {
    const text = await readFile(file, 'utf8');
    return text === etag
      ? { changed: false }
      : { changed: true, etag: text, text, format: registryFormatFor(file) };
  },
});

let root: string;
beforeEach(async () => {
  s3.reset();
  root = await mkdtemp(path.join(tmpdir(), 'registry-wiring-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

const writeRegistry = async (file: string, text: string) => {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
};

/** The log lines a Powertools logger would write, as [level, message, attributes]. */
const recordingLogger = () => {
  const lines: [string, string, Record<string, unknown>][] = [];
  const logger = {
    info: (message: string, attributes: Record<string, unknown>) => lines.push(['INFO', message, attributes]),
    error: (message: string, attributes: Record<string, unknown>) =>
      lines.push(['ERROR', message, attributes]),
  } as unknown as Logger;
  return { logger, lines };
};

describe('registrySourceFor', () => {
  it('reads the S3 object (the local stage passes its own source, wired in local/)', () => {
    expect(registrySourceFor(DEPLOYED)).toBeInstanceOf(S3RegistrySource);
  });
});

describe('createRegistryCache', () => {
  const body = (text: string) =>
    ({ transformToString: async () => text }) as unknown as GetObjectCommandOutput['Body'];

  it('reads the S3 object by default, logging each version loaded with its location', async () => {
    s3.on(GetObjectCommand).resolves({ Body: body(VERSION_2), ETag: '"v2"' });
    const { logger, lines } = recordingLogger();
    const cache = createRegistryCache(DEPLOYED, logger, {
      withoutRegistry: 'records are delivered un-enriched',
    });

    expect((await cache.current()).registry?.size).toBe(2);
    expect(s3.commandCalls(GetObjectCommand).map(({ args }) => args[0].input)).toEqual([
      expect.objectContaining({ Bucket: DEPLOYED.bucket, Key: KEY }),
    ]);
    expect(lines).toEqual([
      [
        'INFO',
        'device registry loaded',
        { bucket: DEPLOYED.bucket, key: KEY, etag: '"v2"', devices: 2, previousEtag: undefined },
      ],
    ]);
  });

  it("logs a failed first load with the function's own fallback, and a failed refresh as keeping the last copy", async () => {
    const file = path.join(root, 'registry.jsonl');
    let clock = 0;
    const { logger, lines } = recordingLogger();
    const cache = createRegistryCache(OTHER_BUCKET, logger, {
      source: fileSource(file),
      now: () => clock,
      withoutRegistry: 'the configured alert thresholds apply to every device',
    });

    expect((await cache.current()).registry).toBeUndefined();
    await writeRegistry(file, VERSION_1);
    clock += 30_000; // a missing registry is retried after 30 s
    const loaded = await cache.current();
    expect(loaded.registry?.get('dev-1')?.site).toBe('plant-a');
    await writeRegistry(file, 'not a registry\n');
    clock += 300_000;
    expect((await cache.current()).registry?.get('dev-1')?.site).toBe('plant-a');

    expect(lines.map(([level, message]) => [level, message])).toEqual([
      ['ERROR', 'device registry could not be loaded: the configured alert thresholds apply to every device'],
      ['INFO', 'device registry loaded'],
      ['ERROR', 'device registry could not be refreshed: keeping the last good copy'],
    ]);
    expect(lines[0]?.[2]).toMatchObject({
      bucket: OTHER_BUCKET.bucket,
      key: KEY,
      error: expect.objectContaining({ code: 'ENOENT' }),
    });
    expect(lines[2]?.[2]).toMatchObject({ bucket: OTHER_BUCKET.bucket, key: KEY, etag: loaded.etag });
  });
});
