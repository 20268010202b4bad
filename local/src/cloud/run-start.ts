import type { ManualClock } from '../aws/clock';
import { DEFAULT_FAULT_RATE } from './faults';
import type { LocalLayout } from './layout';
import type { LocalCloudSettings } from './LocalCloud';
import type { RunOptions } from './run';
import type { RunSpan } from './run-phases';
import type { LocalCloudState } from './state';

const HOUR_MS = 3_600_000;

/**
 * Firehose's S3 buffer interval in a local run: the deployed default (ingest-transform's
 * `s3BufferIntervalSeconds`), stated here because every local cloud (runs and the ops tools) passes
 * it. Every lake object triggers a report run of its partition, so a shorter interval would make
 * report runs most of a local run's time.
 */
export const LOCAL_S3_BUFFER_INTERVAL_SECONDS = 300;

/** A run would produce event time the folder already holds. */
export class StartRewindError extends Error {
  override name = 'StartRewindError';
}

/**
 * Where the run starts: with `keepRunning` now (or later, where the folder's last run stopped),
 * else `startMs`, else where the folder's last run stopped, else `durationMs` before the current hour.
 *
 * @throws StartRewindError for a start before the folder's last run stopped.
 */
export const runSpan = (
  options: RunOptions,
  layout: LocalLayout,
  state: LocalCloudState | undefined,
  wallStart: number,
): RunSpan => {
  const { keepRunning = false, durationMs } = options;
  const startMs = keepRunning
    ? Math.max(Date.now(), state?.nextStartMs ?? 0)
    : (options.startMs ??
      state?.nextStartMs ??
      Math.floor(Date.now() / HOUR_MS) * HOUR_MS - (durationMs ?? 4 * HOUR_MS));
  if (state && startMs < state.nextStartMs) {
    throw new StartRewindError(
      `${layout.root} already holds event time up to ${new Date(state.nextStartMs).toISOString()}; ` +
        `start at or after it (or use another --out folder) so no event is produced twice`,
    );
  }
  const endMs = keepRunning || durationMs === undefined ? undefined : startMs + durationMs;
  return { startMs, endMs, wallStart };
};

/** The local cloud a run's options describe: their parameter overrides and faults. */
export const cloudSettings = (
  options: RunOptions,
  layout: LocalLayout,
  clock: ManualClock,
): LocalCloudSettings => ({
  layout,
  clock,
  format: options.format,
  params: {
    'ingest-transform': definedStrings({
      processorBufferSizeMB: options.processorBufferSizeMB,
      processorBufferIntervalSeconds: options.processorBufferIntervalSeconds,
      s3BufferSizeMB: options.s3BufferSizeMB,
      s3BufferIntervalSeconds: options.s3BufferIntervalSeconds ?? LOCAL_S3_BUFFER_INTERVAL_SECONDS,
    }),
    'analytics-sink': {
      ...definedStrings({ tumblingWindowSeconds: options.windowSeconds }),
      ...(options.alertRules === undefined ? {} : { alertRules: options.alertRules }),
    },
  },
  seed: options.seed,
  ...(options.shards === undefined ? {} : { shards: options.shards }),
  ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
  ...(options.faults && options.faults.length > 0
    ? { faults: { kinds: options.faults, rate: options.faultRate ?? DEFAULT_FAULT_RATE, seed: options.seed } }
    : {}),
});

const definedStrings = (values: Record<string, number | undefined>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(values)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => [key, String(value)]),
  );
