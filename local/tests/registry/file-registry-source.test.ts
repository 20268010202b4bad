import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RegistrySettings } from '@pipeline/shared/registry';
import { localCloudDir, repositoryRoot } from '../../src/cloud/cloud-dir';
import {
  FileRegistrySource,
  localRegistryFile,
  localRegistrySource,
} from '../../src/registry/file-registry-source';

const LOCAL: RegistrySettings = {
  bucket: 'local-ingest',
  key: 'reference/devices/registry.jsonl',
  refreshIntervalMs: 300_000,
};
const VERSION_1 = '{"device_id":"dev-1","site":"plant-a"}\n';
const VERSION_2 = '{"device_id":"dev-1","site":"plant-b"}\n{"device_id":"dev-2","site":"plant-b"}\n';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'file-registry-source-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

const writeRegistry = async (file: string, text: string) => {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
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

describe('localRegistrySource (the local stage of ingest-transform and analytics-sink)', () => {
  it("reads the object's key in the bucket folder of the local cloud", async () => {
    await writeRegistry(localRegistryFile(LOCAL, root), VERSION_1);
    const source = localRegistrySource(root)(LOCAL);
    expect(source).toBeInstanceOf(FileRegistrySource);
    await expect(source.fetch()).resolves.toMatchObject({ changed: true, text: VERSION_1 });
  });
});
