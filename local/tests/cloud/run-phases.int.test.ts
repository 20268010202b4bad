import type { Progress, RunOptions, RunResult } from '../../src/cloud/run';
import { runLocalCloud, StartRewindError } from '../../src/cloud/run';
import { readState } from '../../src/cloud/state';
import { quietHour, Scratch } from '../scratch';

// A small run through runLocalCloud's three phases: produce (devices and Kafka producers), drain
// (everything in flight finishes), report (books, after-run steps, the folder's state).
const START = Date.UTC(2026, 2, 1, 10, 0);
const MINUTE_MS = 60_000;
const scratch = new Scratch();

let root: string;
let result: RunResult;
const snapshots: Progress[] = [];
let afterRun: { tables: number; now: number; reportRuns: number } | undefined;

// Twenty minutes with Kafka producers and broken messages, so every path has work to drain.
const options = (): RunOptions => ({
  ...quietHour(root, 'run-phases'),
  durationMs: 20 * MINUTE_MS,
  startMs: START,
  badShare: 0.05,
  kafkaShare: 0.5,
  format: 'json',
});

beforeAll(async () => {
  root = await scratch.folder('run-phases-');
  result = await scratch.track(
    runLocalCloud(options(), {
      onProgress: (progress) => snapshots.push(progress),
      afterRun: [
        async ({ db, summary, now }) => {
          const { rows } = await db.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name LIKE 'report_%'",
          );
          afterRun = { tables: rows[0]?.n ?? 0, now, reportRuns: summary.reportRuns };
          return { lines: ['after-run step ran'] };
        },
      ],
    }),
  );
}, 180_000);

afterAll(() => scratch.dispose());

describe('a run in phases', () => {
  it('produces, drains and reports in that order, and says when it is done', () => {
    const phases = snapshots.map(({ phase }) => phase).filter((phase, i, all) => phase !== all[i - 1]);
    expect(phases).toEqual(['producing', 'draining', 'reporting', 'done']);
  });

  it('leaves nothing in flight once drained, and every message is accounted for', () => {
    const drained = snapshots.filter(({ phase }) => phase === 'draining').at(-1);
    expect(drained).toMatchObject({ kafkaLag: 0, hubLag: 0 });
    expect(drained?.simNow).toBeGreaterThanOrEqual(START + 20 * MINUTE_MS);
    expect(result.fleet.messages).toBeGreaterThan(0);
    expect(result.problems).toEqual([]);
  });

  it('runs the after-run steps with the warehouse open and the books closed, and prints their lines', () => {
    expect(afterRun?.tables).toBeGreaterThan(0);
    expect(afterRun?.reportRuns).toBe(result.summary.reportRuns);
    expect(afterRun?.now).toBe(snapshots.at(-1)?.simNow);
    expect(result.afterRunLines).toEqual(['after-run step ran']);
  });

  it('moves the folder on: the next run continues where this one stopped, a rewind is refused', async () => {
    const state = await readState(result.layout);
    expect(state?.runs).toHaveLength(1);
    expect(state?.runs[0]).toMatchObject({ messages: result.fleet.messages, balanced: true });
    expect(state?.nextStartMs).toBeGreaterThanOrEqual(snapshots.at(-1)?.simNow ?? Infinity);
    await expect(scratch.track(runLocalCloud(options()))).rejects.toThrow(StartRewindError);
  });
});
