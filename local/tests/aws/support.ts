import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ManualClock } from '../../src/aws/clock';

/** 2026-03-01T10:00:00.000Z: a fixed, readable start for every simulated clock. */
export const T0 = Date.UTC(2026, 2, 1, 10, 0, 0);

export const clockAt = (start = T0): ManualClock => new ManualClock(start);

export const bytes = (text: string): Uint8Array => Buffer.from(text, 'utf8');

/** A fresh folder for an object store; removed by the returned cleanup. */
export const tempRoot = async (): Promise<{ root: string; cleanup: () => Promise<void> }> => {
  const root = await mkdtemp(join(tmpdir(), 'local-cloud-'));
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) };
};

/** Every file under a folder, as paths relative to it. */
export const filesUnder = async (root: string): Promise<string[]> => {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort();
};
