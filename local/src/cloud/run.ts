import { ManualClock } from '../aws/clock';
import type { DeviceMessage, FleetCounts } from '../simulators/DeviceFleet';
import type { RunSummary } from './accounting';
import type { FaultKind } from './faults';
import { localLayout, type LocalLayout } from './layout';
import { LocalCloud, type LakeFormat } from './LocalCloud';
import { RunPhases, type RunHooks } from './run-phases';
import { cloudSettings, runSpan } from './run-start';
import { lockFolder, readState } from './state';

export type { AfterRunContext, AfterRunHook, RunHooks } from './run-phases';
export type { Phase, Progress } from './run-progress';
export { LOCAL_S3_BUFFER_INTERVAL_SECONDS, StartRewindError } from './run-start';

/** Everything a run can be told; the CLI fills the defaults (see cli.ts). */
export interface RunOptions {
  /** The local cloud's folder (`.local/` at the repository root by default). */
  root: string;
  devices: number;
  sites?: number;
  /** Messages per second of event time, all devices together. */
  rate: number;
  /** Event time to cover; with `events`, whichever ends first. */
  durationMs?: number;
  events?: number;
  badShare: number;
  kafkaShare: number;
  duplicateShare: number;
  lateShare: number;
  heartbeatShare: number;
  format: LakeFormat;
  seed: string;
  /** Simulated start (epoch ms); default: where the folder's last run stopped, else `durationMs` before the current hour. */
  startMs?: number;
  /** Stream in real time until interrupted instead of simulating `durationMs` as fast as possible. */
  keepRunning?: boolean;
  /** Service parameter overrides: window length, buffer hints. */
  windowSeconds?: number;
  /** analytics-sink's `alertRules` (e.g. `temperature>80,battery<15`). */
  alertRules?: string;
  processorBufferSizeMB?: number;
  processorBufferIntervalSeconds?: number;
  s3BufferSizeMB?: number;
  /** Default LOCAL_S3_BUFFER_INTERVAL_SECONDS. */
  s3BufferIntervalSeconds?: number;
  shards?: number;
  logLevel?: string;
  /** Faults to inject (`--faults`), scheduled from `seed`; `faultRate` per opportunity (default 0.1). */
  faults?: readonly FaultKind[];
  faultRate?: number;
  /**
   * Messages of an earlier run in this folder that the devices send again at this run's start
   * (`DeviceFleet.resend`): the lake then holds a second copy of each, which reports and the
   * warehouse must count once. Not a CLI option: the schema evolution e2e re-delivers readings
   * sent before a metric was added.
   */
  resend?: readonly DeviceMessage[];
}

export interface RunResult {
  layout: LocalLayout;
  summary: RunSummary;
  problems: string[];
  interrupted: boolean;
  fleet: FleetCounts;
  wallMs: number;
  afterRunLines: string[];
  /** Largest resident set size seen during the run, bytes. */
  peakRssBytes: number;
}

/**
 * Runs the pipeline once: devices and Kafka producers stream into the local cloud on a simulated
 * clock (or the wall clock with `keepRunning`), the driver jumps the clock from one due instant
 * to the next, then everything in flight is flushed and the books are checked (`RunPhases`:
 * produce, drain, report).
 */
export const runLocalCloud = async (options: RunOptions, hooks: RunHooks = {}): Promise<RunResult> => {
  const wallStart = Date.now();
  const layout = localLayout(options.root);
  const unlock = await lockFolder(layout);
  try {
    const state = await readState(layout);
    const span = runSpan(options, layout, state, wallStart);
    const cloud = await LocalCloud.create(cloudSettings(options, layout, new ManualClock(span.startMs)));
    let cloudOpen = true;
    try {
      const run = new RunPhases(cloud, options, span, hooks);
      await run.produce();
      await run.drain();
      const { summary, problems, interrupted, afterRunLines } = await run.report(state);
      await cloud.close();
      cloudOpen = false;
      return {
        layout,
        summary,
        problems,
        interrupted,
        fleet: run.fleet.counts,
        wallMs: Date.now() - wallStart,
        afterRunLines,
        peakRssBytes: run.peakRssBytes,
      };
    } finally {
      if (cloudOpen) await cloud.close();
    }
  } finally {
    await unlock();
  }
};
