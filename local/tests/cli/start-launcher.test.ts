import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

// The launcher is the CommonJS file `npm start` runs with plain node.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { isFresh, signature } = require('../../start.cjs') as {
  isFresh: (stamp: Record<string, string> | undefined, root: string) => boolean;
  signature: (file: string) => string | undefined;
};

describe("npm start's cached bundle", () => {
  let root: string;
  let stamp: Record<string, string>;

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'start-launcher-'));
    await writeFile(path.join(root, 'cli.ts'), 'export {};\n');
    await writeFile(path.join(root, 'lib.ts'), 'export const one = 1;\n');
    stamp = Object.fromEntries(['cli.ts', 'lib.ts'].map((file) => [file, signature(path.join(root, file))!]));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('is reused while every source it was built from is unchanged', () => {
    expect(isFresh(stamp, root)).toBe(true);
  });

  it('is rebuilt when a source changed, even to the same size', async () => {
    await writeFile(path.join(root, 'lib.ts'), 'export const two = 2;\n');
    const later = new Date(Date.now() + 5_000);
    await utimes(path.join(root, 'lib.ts'), later, later);
    expect(isFresh(stamp, root)).toBe(false);
  });

  it('is rebuilt when a source is gone, or when there is no record of its sources', async () => {
    await rm(path.join(root, 'lib.ts'));
    expect(isFresh(stamp, root)).toBe(false);
    expect(isFresh(undefined, root)).toBe(false);
    expect(isFresh({}, root)).toBe(false);
  });
});
