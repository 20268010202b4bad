import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { packagingKey, removeZipStagingOf } from '../package';

describe('packagingKey: one cached packaging per service, stage, params and inputs', () => {
  let service: string;

  beforeEach(async () => {
    service = await mkdtemp(path.join(tmpdir(), 'packaging-key-'));
    await mkdir(path.join(service, 'src'));
    await mkdir(path.join(service, 'tests'));
    await writeFile(path.join(service, 'serverless.ts'), 'export default {};\n');
    await writeFile(path.join(service, 'src', 'handler.ts'), 'export const handler = () => 1;\n');
    await writeFile(path.join(service, 'tests', 'handler.test.ts'), 'it("runs", () => undefined);\n');
  });

  afterEach(() => rm(service, { recursive: true, force: true }));

  it('is the same for the same inputs, whatever the order of the params', async () => {
    expect(await packagingKey(service, 'test', { a: '1', b: '2' })).toBe(
      await packagingKey(service, 'test', { b: '2', a: '1' }),
    );
  });

  it('changes with the stage, a param, or any file the packaging reads', async () => {
    const before = await packagingKey(service, 'test', { a: '1' });
    expect(await packagingKey(service, 'prod', { a: '1' })).not.toBe(before);
    expect(await packagingKey(service, 'test', { a: '2' })).not.toBe(before);
    await writeFile(path.join(service, 'src', 'handler.ts'), 'export const handler = () => 2;\n');
    expect(await packagingKey(service, 'test', { a: '1' })).not.toBe(before);
  });

  it('ignores the tests and the build outputs of the service folder', async () => {
    const before = await packagingKey(service, 'test', {});
    await writeFile(path.join(service, 'tests', 'handler.test.ts'), 'it("changed", () => undefined);\n');
    await mkdir(path.join(service, '.esbuild'));
    await writeFile(path.join(service, '.esbuild', 'out.js'), 'built');
    expect(await packagingKey(service, 'test', {})).toBe(before);
  });

  it('changes with the region osls falls back to', async () => {
    const saved = process.env.AWS_REGION;
    try {
      process.env.AWS_REGION = 'eu-west-1';
      const ireland = await packagingKey(service, 'test', {});
      process.env.AWS_REGION = 'us-east-1';
      expect(await packagingKey(service, 'test', {})).not.toBe(ireland);
    } finally {
      if (saved === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = saved;
    }
  });
});

describe('removeZipStagingOf: the zip staging folders serverless-esbuild leaves behind', () => {
  let temporary: string;

  beforeEach(async () => {
    temporary = await mkdtemp(path.join(tmpdir(), 'zip-staging-'));
  });

  afterEach(() => rm(temporary, { recursive: true, force: true }));

  it("removes the ended osls process's folders, with what they hold, and nothing else", async () => {
    const folders = [
      'runner-4242-1796596361351-8f789f49', // the process's: removed
      'books-4242-1796596361352-0a1b2c3d', // the process's: removed
      'runner-42421-1796596361351-8f789f49', // another process
      'runner-4242-1796596361351', // not serverless-esbuild's name
      'sls-package-cache',
    ];
    for (const folder of folders) {
      await mkdir(path.join(temporary, folder, 'src'), { recursive: true });
      await writeFile(path.join(temporary, folder, 'src', 'handler.js'), 'exports.handler = () => 1;\n');
    }
    await removeZipStagingOf(4242, temporary);
    expect((await readdir(temporary)).sort()).toEqual(folders.slice(2).sort());
  });
});
