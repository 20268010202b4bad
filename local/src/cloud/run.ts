import { setTimeout as sleep } from 'node:timers/promises';
import type { PGlite } from '@electric-sql/pglite';
import { NONE } from '@pipeline/shared/runtime';
import type { PostgresWarehouse } from '@pipeline/shared/warehouse';
import { ManualClock } from '../aws/clock';
import type { ObjectStore } from '../aws/s3/ObjectStore';
import { DeviceFleet, type DeviceMessage, type FleetCounts } from '../simulators/DeviceFleet';
import { fleetRegistry } from '../simulators/registry';
import { writeLocalRegistry } from '../registry/registry-file';
import { account, type RunSummary } from './accounting';
import { DEFAULT_FAULT_RATE, type FaultKind } from './faults';
import { HubGateway } from './HubGateway';
import { localLayout, LOCAL_RESOURCES, type LocalLayout } from './layout';
import { LocalCloud, type LakeFormat } from './LocalCloud';
import { lockFolder, readState, writeState } from './state';

const HOUR_MS = 3_600_000;

/**
 * Firehose's S3 buffer interval in a local run: the deployed default (ingest-transform's
 * `s3BufferIntervalSeconds`), stated here because every local cloud (runs and the ops tools) passes
 * it. Every lake object triggers a report run of its partition, so a shorter interval would make
 * report runs most of a local run's time.
 */
export const LOCAL_S3_BUFFER_INTERVAL_SECONDS = 300;

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

/** A run would produce event time the folder already holds. */
export class StartRewindError extends Error {
  override name = 'StartRewindError';
}

export type Phase = 'starting' | 'producing' | 'draining' | 'reporting' | 'done';

/** A snapshot for the progress display. */
export interface Progress {
  phase: Phase;
  simNow: number;
  startMs: number;
  /** End of the simulated span, when known. */
  endMs: number | undefined;
  produced: number;
  /** Planned messages, when the run is bounded by a count (`events`). */
  target: number | undefined;
  kafkaLag: number;
  hubLag: number;
  delivered: number;
  failed: number;
  reportRuns: number;
  windowRows: number;
  wallMs: number;
}

/**
 * What an after-run step (the dashboard, issue 8) gets: the folders, the open warehouse (a
 * `PostgresWarehouse` over PGlite, and PGlite itself for plain SQL), the object store (to write
 * e.g. `dashboard/index.html` into the reports bucket) and the run's summary. It returns lines to
 * print under the summary (e.g. where to open the dashboard).
 */
export interface AfterRunContext {
  layout: LocalLayout;
  reportsBucket: string;
  warehouse: PostgresWarehouse;
  db: PGlite;
  store: ObjectStore;
  summary: RunSummary;
  /** Simulated time at the end of the run (epoch ms). */
  now: number;
}

export type AfterRunHook = (context: AfterRunContext) => Promise<{ lines?: string[] } | void>;

export interface RunHooks {
  onProgress?: (progress: Progress) => void;
  /** Aborting stops the devices; the run then drains, flushes and accounts as usual. */
  signal?: AbortSignal;
  /** Steps run after the accounting, before the warehouse closes (the dashboard hook). */
  afterRun?: readonly AfterRunHook[];
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

// After the devices stop, in-flight work (Kafka batches, Firehose buffers, open windows, queued
// report runs and their retries) gets this much simulated time to finish.
const DRAIN_LIMIT_MS = 6 * HOUR_MS;
const PROGRESS_EVERY_MS = 100;

/**
 * Runs the pipeline once: devices and Kafka producers stream into the local cloud on a simulated
 * clock (or the wall clock with `keepRunning`), the driver jumps the clock from one due instant
 * to the next, then everything in flight is flushed and the books are checked.
 */
export const runLocalCloud = async (options: RunOptions, hooks: RunHooks = {}): Promise<RunResult> => {
  const wallStart = Date.now();
  const layout = localLayout(options.root);
  const unlock = await lockFolder(layout);
  let peakRssBytes = process.memoryUsage.rss();
  try {
    const state = await readState(layout);
    const keepRunning = options.keepRunning ?? false;
    const durationMs = options.durationMs;
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
    const clock = new ManualClock(startMs);
    const params = {
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
    };
    const cloud = await LocalCloud.create({
      layout,
      clock,
      format: options.format,
      params,
      seed: options.seed,
      ...(options.shards === undefined ? {} : { shards: options.shards }),
      ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
      ...(options.faults && options.faults.length > 0
        ? {
            faults: {
              kinds: options.faults,
              rate: options.faultRate ?? DEFAULT_FAULT_RATE,
              seed: options.seed,
            },
          }
        : {}),
    });
    let cloudOpen = true;
    try {
      const fleet = new DeviceFleet({
        seed: options.seed,
        devices: options.devices,
        ...(options.sites === undefined ? {} : { sites: options.sites }),
        rate: options.rate,
        startMs,
        ...(endMs === undefined ? {} : { endMs }),
        ...(options.events === undefined || keepRunning ? {} : { maxMessages: options.events }),
        kafkaShare: options.kafkaShare,
        badShare: options.badShare,
        duplicateShare: options.duplicateShare,
        lateShare: options.lateShare,
        heartbeatShare: options.heartbeatShare,
      });
      // The device registry of this fleet (about 5% left out), where the transform reads it.
      // registryKey=none turns enrichment off: nothing to write then.
      const registry = fleetRegistry(fleet.devices, options.seed);
      const registryKey = String(cloud.params['ingest-transform'].registryKey ?? NONE);
      if (registryKey !== NONE)
        await writeLocalRegistry(layout.root, LOCAL_RESOURCES.ingestBucket, registryKey, registry.entries);
      const gateway = new HubGateway(cloud.hub);
      const topic = String(cloud.params['msk-consumer'].mskTopic);
      const target = keepRunning ? undefined : options.events;

      let phase: Phase = 'producing';
      let lastProgress = 0;
      const progress = (force = false) => {
        const wallNow = Date.now();
        if (!force && wallNow - lastProgress < PROGRESS_EVERY_MS) return;
        lastProgress = wallNow;
        peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss());
        hooks.onProgress?.({
          phase,
          simNow: clock.now(),
          startMs,
          endMs,
          produced: fleet.counts.messages,
          target,
          kafkaLag: cloud.mskMapping.lag(),
          hubLag: cloud.firehose.reader.lag(),
          delivered: cloud.firehose.stats.delivered,
          failed:
            cloud.firehose.stats.processingFailed + cloud.recorder.sum('msk-consumer', 'RecordsQuarantined'),
          reportRuns: cloud.recorder.sum('report-runner', 'ReportRuns'),
          windowRows: cloud.recorder.sum('analytics-sink', 'WindowRowsWritten'),
          wallMs: wallNow - wallStart,
        });
      };
      const stop = () => fleet.stop();
      hooks.signal?.addEventListener('abort', stop, { once: true });
      if (hooks.signal?.aborted) stop();

      const send = async (messages: DeviceMessage[], now: number) => {
        const hubEntries = [];
        for (const message of messages) {
          if (message.path === 'hub') {
            hubEntries.push({ Data: message.data ?? Buffer.alloc(0), PartitionKey: message.deviceId });
          } else {
            cloud.kafka.produce(topic, {
              key: message.deviceId,
              value: message.data,
              ...(message.headers ? { headers: message.headers } : {}),
              timestamp: message.at,
            });
          }
        }
        if (hubEntries.length > 0) await gateway.put(hubEntries, now);
      };

      const paceStart = Date.now();
      const realTime = () => startMs + (Date.now() - paceStart);

      // One step: jump to the next instant something is due, produce what is due, let every
      // simulator work until none has anything left to do at that instant.
      let idleAt: number | undefined;
      const step = async (candidates: (number | undefined)[]): Promise<boolean> => {
        const now0 = clock.now();
        const due = candidates.filter(
          (at): at is number => at !== undefined && (idleAt !== now0 || at > now0),
        );
        if (due.length === 0) return false;
        let next = Math.min(...due);
        if (keepRunning && !fleet.stopped && phase === 'producing') {
          // Real time: simulated time never runs ahead of the wall time elapsed since the start.
          while (next > realTime() && !hooks.signal?.aborted) {
            progress();
            await sleep(Math.min(250, next - realTime()));
          }
          next = Math.min(next, Math.max(now0, realTime()));
        }
        clock.advanceTo(next);
        const now = clock.now();
        const messages = phase === 'producing' ? fleet.take(now) : [];
        await send(messages, now);
        await gateway.retryDue(now);
        // Most steps only produce: the simulators work when one of them is due.
        const cloudDue = cloud.nextDueAt();
        const work = cloudDue !== undefined && cloudDue <= now ? await cloud.pollAll() : 0;
        idleAt = work === 0 && messages.length === 0 ? now : undefined;
        progress();
        return true;
      };

      if (options.resend && options.resend.length > 0)
        await send(fleet.resend(options.resend, startMs), startMs);

      // Producing: until the fleet is done (span covered, count reached, or Ctrl-C).
      while (fleet.peekTime() !== undefined || gateway.pending > 0) {
        await step([fleet.peekTime(), gateway.nextDueAt(), cloud.nextDueAt()]);
      }
      hooks.signal?.removeEventListener('abort', stop);

      // Draining: Kafka batches into the hub, then Firehose's buffers into the lake, then open
      // windows to their final invocations and queued report runs to completion.
      phase = 'draining';
      const drainLimit = clock.now() + DRAIN_LIMIT_MS;
      while (cloud.mskMapping.lag() > 0 && clock.now() < drainLimit) {
        if (!(await step([cloud.nextDueAt()]))) break;
      }
      await cloud.firehose.flush();
      await cloud.pollAll();
      while (clock.now() < drainLimit) {
        if (!(await step([cloud.nextDueAt()]))) break;
      }
      progress(true);

      phase = 'reporting';
      progress(true);
      const { summary, problems } = await account(
        cloud,
        fleet.counts,
        { startMs, endMs: clock.now() },
        { devices: registry.entries.length, unregistered: registry.unregistered },
      );
      const afterRunLines: string[] = [];
      for (const hook of hooks.afterRun ?? []) {
        const result = await hook({
          layout,
          reportsBucket: LOCAL_RESOURCES.reportsBucket,
          warehouse: cloud.warehouse,
          db: cloud.db,
          store: cloud.store,
          summary,
          now: clock.now(),
        });
        if (result?.lines) afterRunLines.push(...result.lines);
      }
      const interrupted = hooks.signal?.aborted ?? false;
      await writeState(layout, {
        version: 1,
        nextStartMs: Math.ceil(clock.now() / 1000) * 1000,
        runs: [
          ...(state?.runs ?? []),
          {
            startedAt: new Date(wallStart).toISOString(),
            from: new Date(startMs).toISOString(),
            to: new Date(clock.now()).toISOString(),
            seed: options.seed,
            format: options.format,
            messages: fleet.counts.messages,
            interrupted,
            balanced: problems.length === 0,
          },
        ],
      });
      phase = 'done';
      progress(true);
      await cloud.close();
      cloudOpen = false;
      return {
        layout,
        summary,
        problems,
        interrupted,
        fleet: fleet.counts,
        wallMs: Date.now() - wallStart,
        afterRunLines,
        peakRssBytes: Math.max(peakRssBytes, process.memoryUsage.rss()),
      };
    } finally {
      if (cloudOpen) await cloud.close();
    }
  } finally {
    await unlock();
  }
};

const definedStrings = (values: Record<string, number | undefined>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(values)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => [key, String(value)]),
  );
