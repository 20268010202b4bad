import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LocalLayout } from './layout';

/** One run in a local cloud folder. */
export interface RunRecord {
  startedAt: string;
  /** Simulated time the run covered, ISO-8601. */
  from: string;
  to: string;
  seed: string;
  format: string;
  messages: number;
  interrupted: boolean;
  balanced: boolean;
}

/** What the folder remembers between runs: a new run continues where the last one stopped. */
export interface LocalCloudState {
  version: 1;
  /** Simulated time at which the next run starts (epoch ms). */
  nextStartMs: number;
  runs: RunRecord[];
}

export const readState = async (layout: LocalLayout): Promise<LocalCloudState | undefined> => {
  try {
    return JSON.parse(await readFile(layout.stateFile, 'utf8')) as LocalCloudState;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(
      `${layout.stateFile} is unreadable (${(error as Error).message}); move it away to start afresh`,
    );
  }
};

export const writeState = async (layout: LocalLayout, state: LocalCloudState): Promise<void> => {
  await mkdir(path.dirname(layout.stateFile), { recursive: true });
  const temporary = `${layout.stateFile}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`);
  await rename(temporary, layout.stateFile);
};

export class FolderLockedError extends Error {
  override name = 'FolderLockedError';
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * One local cloud per folder at a time: PGlite's data directory and the buckets are not meant for
 * two writers. A lock left by a process that no longer exists is taken over.
 */
export const lockFolder = async (layout: LocalLayout): Promise<() => Promise<void>> => {
  await mkdir(layout.root, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const handle = await open(layout.lockFile, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(layout.lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number((await readFile(layout.lockFile, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new FolderLockedError(
          `${layout.root} is in use by process ${pid} (another local cloud); stop it or use --out <folder>`,
        );
      }
      await rm(layout.lockFile, { force: true });
    }
  }
  throw new FolderLockedError(`could not lock ${layout.root}`);
};
