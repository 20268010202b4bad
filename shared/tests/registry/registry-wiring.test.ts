import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import { GetObjectCommand, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { localCloudDir, repositoryRoot, type RegistrySettings } from '../../src';
import {
  createRegistryCache,
  FileRegistrySource,
  localRegistryFile,
  registrySourceFor,
  S3RegistrySource,
} from '../../src/adapters/registry';

const s3 = mockClient(S3Client);
const KEY = 'reference/devices/registry.jsonl';
const DEPLOYED: RegistrySettings = {
  stage: 'dev',
  bucket: 'ingest-transform-dev-ingestbucket-1a2b3c4d5e6f',
  key: KEY,
  refreshIntervalMs: 300_000,
};
const LOCAL: RegistrySettings = { ...DEPLOYED, stage: 'local', bucket: 'local-ingest' };
const VERSION_1 = '{"device_id":"dev-1","site":"plant-a"}\n';
const VERSION_2 = '{"device_id":"dev-1","site":"plant-b"}\n{"device_id":"dev-2","site":"plant-b"}\n';

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

describe('FileRegistrySource', () => {
  it("reads the file with its content's MD5 as ETag (as S3 gives a single-part upload) and its format", async () => {
    const file = path.join(root, 'fleet.csv');
    await writeRegistry(file, 'device_id,site\ndev-1,plant-a\n');
    await expect(new FileRegistrySource({ path: file }).fetch()).resolves.toEqual({
      changed: true,
      etag: `"${createHash('md5').update('device_id,site\ndev-1,plant-a\n').digest('hex')}"`,
      text: 'device_id,site\ndev-1,plant-a\n',
      format: 'csv',
    });
  });

  it('answers unchanged for the ETag of the copy held, and the new content once the file changes', async () => {
    const file = path.join(root, 'registry.jsonl');
    const source = new FileRegistrySource({ path: file });
    await writeRegistry(file, VERSION_1);
    const first = await source.fetch();
    if (!first.changed) throw new Error('expected the first read to return the content');
    await expect(source.fetch(first.etag)).resolves.toEqual({ changed: false });

    await writeRegistry(file, VERSION_2);
    await expect(source.fetch(first.etag)).resolves.toMatchObject({
      changed: true,
      text: VERSION_2,
      format: 'jsonl',
    });
  });

  it('fails when the file is missing (the cache logs it and keeps what it has)', async () => {
    await expect(new FileRegistrySource({ path: path.join(root, 'missing.jsonl') }).fetch()).rejects.toThrow(
      /ENOENT/,
    );
  });
});

describe('localCloudDir and localRegistryFile', () => {
  it('is $LOCAL_ROOT when set, else .local/ at the repository root (the folder with serverless-compose.yml)', () => {
    expect(localCloudDir({ LOCAL_ROOT: root }, '/')).toBe(root);
    const repository = path.resolve(__dirname, '..', '..', '..');
    expect(localCloudDir({}, path.join(repository, 'services', 'ingest-transform'))).toBe(
      path.join(repository, '.local'),
    );
  });

  it('is .local/ in the working directory outside the repository', () => {
    expect(repositoryRoot(root)).toBeUndefined();
    expect(localCloudDir({}, root)).toBe(path.join(root, '.local'));
  });

  it('names the object in its bucket folder, as the local cloud lays buckets out', () => {
    expect(localRegistryFile(LOCAL, root)).toBe(
      path.join(root, 'local-ingest', 'reference', 'devices', 'registry.jsonl'),
    );
  });
});

describe('registrySourceFor', () => {
  it('reads S3 on a deployed stage', () => {
    expect(registrySourceFor(DEPLOYED)).toBeInstanceOf(S3RegistrySource);
  });

  it('reads the bucket folder of the local cloud on the local stage (`sls invoke local --stage local`)', async () => {
    const previous = process.env.LOCAL_ROOT;
    process.env.LOCAL_ROOT = root;
    try {
      await writeRegistry(localRegistryFile(LOCAL, root), VERSION_1);
      const source = registrySourceFor(LOCAL);
      expect(source).toBeInstanceOf(FileRegistrySource);
      await expect(source.fetch()).resolves.toMatchObject({ changed: true, text: VERSION_1 });
    } finally {
      if (previous === undefined) delete process.env.LOCAL_ROOT;
      else process.env.LOCAL_ROOT = previous;
    }
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
    const file = localRegistryFile(LOCAL, root);
    let clock = 0;
    const { logger, lines } = recordingLogger();
    const cache = createRegistryCache(LOCAL, logger, {
      source: new FileRegistrySource({ path: file }),
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
      bucket: 'local-ingest',
      key: KEY,
      error: expect.objectContaining({ code: 'ENOENT' }),
    });
    expect(lines[2]?.[2]).toMatchObject({ bucket: 'local-ingest', key: KEY, etag: loaded.etag });
  });
});
