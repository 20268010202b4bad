import { ManualClock } from '../../src/aws/clock';
import { DEFAULT_FAULT_RATE } from '../../src/cloud/faults';
import { localLayout } from '../../src/cloud/layout';
import type { RunOptions } from '../../src/cloud/run';
import {
  cloudSettings,
  LOCAL_S3_BUFFER_INTERVAL_SECONDS,
  runSpan,
  StartRewindError,
} from '../../src/cloud/run-start';
import type { LocalCloudState } from '../../src/cloud/state';
import { quietHour } from '../scratch';

const HOUR_MS = 3_600_000;
const layout = localLayout('/tmp/run-start-test');
const WALL_START = 1_700_000_000_000;

// Told no start: each test says where the folder stands.
const options = (overrides: Partial<RunOptions> = {}): RunOptions => {
  const { startMs: _told, ...quiet } = quietHour(layout.root, 'run-start');
  return { ...quiet, ...overrides };
};

const folderEndingAt = (nextStartMs: number): LocalCloudState => ({ version: 1, nextStartMs, runs: [] });

describe('where a run starts', () => {
  it("continues where the folder's last run stopped and covers its duration from there", () => {
    const end = Date.UTC(2026, 2, 1, 12);
    expect(runSpan(options(), layout, folderEndingAt(end), WALL_START)).toEqual({
      startMs: end,
      endMs: end + HOUR_MS,
      wallStart: WALL_START,
    });
  });

  it('starts a new folder the duration before the current hour, unless told where', () => {
    const { startMs, endMs } = runSpan(options(), layout, undefined, WALL_START);
    expect(startMs % HOUR_MS).toBe(0);
    expect(endMs).toBe(startMs + HOUR_MS);
    expect(endMs).toBeLessThanOrEqual(Date.now());
    const told = Date.UTC(2026, 0, 1);
    expect(runSpan(options({ startMs: told }), layout, undefined, WALL_START).startMs).toBe(told);
  });

  it("refuses a start before the folder's last run stopped, naming the folder and where it ends", () => {
    const end = Date.UTC(2026, 2, 1, 12);
    const rewind = () => runSpan(options({ startMs: end - 1000 }), layout, folderEndingAt(end), WALL_START);
    expect(rewind).toThrow(StartRewindError);
    expect(rewind).toThrow(`${layout.root} already holds event time up to 2026-03-01T12:00:00.000Z`);
  });

  it('runs in real time from now (or the folder end, if later) with no end when it keeps running', () => {
    const before = Date.now();
    const span = runSpan(options({ keepRunning: true }), layout, folderEndingAt(0), WALL_START);
    expect(span.startMs).toBeGreaterThanOrEqual(before);
    expect(span.endMs).toBeUndefined();
    const later = Date.now() + HOUR_MS;
    expect(runSpan(options({ keepRunning: true }), layout, folderEndingAt(later), WALL_START).startMs).toBe(
      later,
    );
  });
});

describe("a run's local cloud", () => {
  const clock = new ManualClock(0);

  it('overrides only the parameters the options give, the S3 buffer interval always (the deployed one)', () => {
    expect(cloudSettings(options(), layout, clock).params).toEqual({
      'ingest-transform': { s3BufferIntervalSeconds: String(LOCAL_S3_BUFFER_INTERVAL_SECONDS) },
      'analytics-sink': {},
    });
    expect(
      cloudSettings(
        options({ windowSeconds: 120, alertRules: 'battery<15', processorBufferSizeMB: 0.5, shards: 3 }),
        layout,
        clock,
      ),
    ).toMatchObject({
      params: {
        'ingest-transform': { processorBufferSizeMB: '0.5' },
        'analytics-sink': { tumblingWindowSeconds: '120', alertRules: 'battery<15' },
      },
      shards: 3,
    });
  });

  it("injects faults only when some are listed, scheduled from the run's seed", () => {
    expect(cloudSettings(options({ faults: [] }), layout, clock).faults).toBeUndefined();
    expect(cloudSettings(options({ faults: ['s3-write'] }), layout, clock).faults).toEqual({
      kinds: ['s3-write'],
      rate: DEFAULT_FAULT_RATE,
      seed: 'run-start',
    });
  });
});
