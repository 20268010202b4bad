import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runLocalCloud, type RunOptions, type RunResult } from '../src/cloud/run';

/**
 * How long one e2e suite may take to run its local clouds. The suites' own runs take a minute or
 * two on a quiet 2-core machine and, measured, three to four times longer at a load of 10-15: a
 * time-out here is a hang, never a slow machine.
 */
export const E2E_SETUP_TIMEOUT_MS = 15 * 60_000;

/**
 * The scratch folders and local-cloud runs of one e2e suite, cleaned up even when a hook times
 * out: jest then goes on to `afterAll` while the timed-out hook's run is still writing, and
 * removing a folder under a writer fails with ENOTEMPTY. `dispose` aborts every run and child
 * process (a run then drains and stops), waits for them, and only then removes the folders.
 */
export class Scratch {
  private readonly controller = new AbortController();
  private readonly folders: string[] = [];
  private readonly pending = new Set<Promise<unknown>>();

  /** Aborted by `dispose`: pass it to child processes (`execFile`'s `signal`). */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  async folder(prefix: string): Promise<string> {
    const folder = await mkdtemp(path.join(tmpdir(), prefix));
    this.folders.push(folder);
    return folder;
  }

  /** `runLocalCloud`, stopped by `dispose`. */
  run(options: RunOptions): Promise<RunResult> {
    return this.track(runLocalCloud(options, { signal: this.signal }));
  }

  /** Anything else that writes into the folders (a CLI, an ops command) and must end first. */
  track<T>(work: Promise<T>): Promise<T> {
    this.pending.add(work);
    void work.then(
      () => this.pending.delete(work),
      () => this.pending.delete(work),
    );
    return work;
  }

  async dispose(): Promise<void> {
    this.controller.abort();
    await Promise.allSettled(this.pending);
    await Promise.all(
      this.folders.map((folder) => rm(folder, { recursive: true, force: true, maxRetries: 5 })),
    );
  }
}

/** Every file below `dir` (none when it does not exist). */
export const filesUnder = async (dir: string): Promise<string[]> => {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    entries.map((entry) =>
      entry.isDirectory()
        ? filesUnder(path.join(dir, entry.name))
        : Promise.resolve([path.join(dir, entry.name)]),
    ),
  );
  return nested.flat();
};

/**
 * One quiet hour of four devices, only good readings: a local cloud folder that later commands
 * (`npm run smoke`, `npm run books`) run against.
 */
export const quietHour = (root: string, seed: string): RunOptions => ({
  root,
  devices: 4,
  rate: 4 / 60,
  durationMs: 3_600_000,
  startMs: Date.UTC(2026, 4, 10, 9, 0),
  badShare: 0,
  kafkaShare: 0,
  duplicateShare: 0,
  lateShare: 0,
  heartbeatShare: 0,
  format: 'parquet',
  seed,
});
