import { setImmediate as yieldToEventLoop, setTimeout as sleep } from 'node:timers/promises';
import type { PGlite } from '@electric-sql/pglite';
import { NONE } from '@pipeline/shared/runtime';
import type { PostgresWarehouse } from '@pipeline/shared/warehouse';
import type { ObjectStore } from '../aws/s3/ObjectStore';
import { writeLocalRegistry } from '../registry/registry-file';
import { DeviceFleet, type DeviceMessage } from '../simulators/DeviceFleet';
import { fleetRegistry } from '../simulators/registry';
import { account, type RunSummary } from './accounting';
import { HubGateway } from './HubGateway';
import { LOCAL_RESOURCES, type LocalLayout } from './layout';
import type { LocalCloud } from './LocalCloud';
import type { RunOptions } from './run';
import { RunProgress, type Phase, type Progress } from './run-progress';
import { writeState, type LocalCloudState } from './state';

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

/** Where a run starts and ends in simulated time, and when it started on the wall clock. */
export interface RunSpan {
  startMs: number;
  /** Undefined when the run is bounded by a count, an interrupt or nothing (`keepRunning`). */
  endMs: number | undefined;
  wallStart: number;
}

/** What the report phase found. */
export interface RunReport {
  summary: RunSummary;
  problems: string[];
  interrupted: boolean;
  afterRunLines: string[];
}

const HOUR_MS = 3_600_000;
// After the devices stop, in-flight work (Kafka batches, Firehose buffers, open windows, queued
// report runs and their retries) gets this much simulated time to finish.
const DRAIN_LIMIT_MS = 6 * HOUR_MS;

/**
 * One run over a local cloud, in three phases: `produce` (the devices and Kafka producers stream
 * in until the fleet is done), `drain` (everything in flight finishes) and `report` (the books,
 * the after-run steps, the folder's state). Every step jumps the simulated clock to the next
 * instant something is due (with `keepRunning`, no further than the wall clock allows).
 */
export class RunPhases {
  readonly fleet: DeviceFleet;
  readonly #registry: ReturnType<typeof fleetRegistry>;
  readonly #gateway: HubGateway;
  readonly #topic: string;
  readonly #keepRunning: boolean;
  readonly #progress: RunProgress;
  #phase: Phase = 'producing';
  #paceStart = 0;
  #idleAt: number | undefined;

  constructor(
    private readonly cloud: LocalCloud,
    private readonly options: RunOptions,
    private readonly span: RunSpan,
    private readonly hooks: RunHooks = {},
  ) {
    this.#keepRunning = options.keepRunning ?? false;
    this.fleet = new DeviceFleet({
      seed: options.seed,
      devices: options.devices,
      ...(options.sites === undefined ? {} : { sites: options.sites }),
      rate: options.rate,
      startMs: span.startMs,
      ...(span.endMs === undefined ? {} : { endMs: span.endMs }),
      ...(options.events === undefined || this.#keepRunning ? {} : { maxMessages: options.events }),
      kafkaShare: options.kafkaShare,
      badShare: options.badShare,
      duplicateShare: options.duplicateShare,
      lateShare: options.lateShare,
      heartbeatShare: options.heartbeatShare,
    });
    // The device registry of this fleet (about 5% left out), written where the transform reads it.
    this.#registry = fleetRegistry(this.fleet.devices, options.seed);
    this.#gateway = new HubGateway(cloud.hub);
    this.#topic = String(cloud.params['msk-consumer'].mskTopic);
    this.#progress = new RunProgress(cloud, this.fleet, {
      ...span,
      target: this.#keepRunning ? undefined : options.events,
      onProgress: hooks.onProgress,
    });
  }

  /** Largest resident set size seen so far, bytes. */
  get peakRssBytes(): number {
    return this.#progress.peakRssBytes;
  }

  /** Producing: until the fleet is done (span covered, count reached, or the signal aborted). */
  async produce(): Promise<void> {
    const { cloud, fleet, hooks, options, span } = this;
    // registryKey=none turns enrichment off: nothing to write then.
    const registryKey = String(cloud.params['ingest-transform'].registryKey ?? NONE);
    if (registryKey !== NONE)
      await writeLocalRegistry(
        cloud.settings.layout.root,
        LOCAL_RESOURCES.ingestBucket,
        registryKey,
        this.#registry.entries,
      );
    const stop = () => fleet.stop();
    hooks.signal?.addEventListener('abort', stop, { once: true });
    if (hooks.signal?.aborted) stop();
    this.#paceStart = Date.now();
    if (options.resend && options.resend.length > 0)
      await this.#send(fleet.resend(options.resend, span.startMs), span.startMs);
    while (fleet.peekTime() !== undefined || this.#gateway.pending > 0) {
      await this.#step([fleet.peekTime(), this.#gateway.nextDueAt(), cloud.nextDueAt()]);
    }
    hooks.signal?.removeEventListener('abort', stop);
  }

  /**
   * Draining: Kafka batches into the hub, then Firehose's buffers into the lake, then open windows
   * to their final invocations and queued report runs to completion.
   */
  async drain(): Promise<void> {
    const { cloud } = this;
    this.#phase = 'draining';
    const drainLimit = cloud.clock.now() + DRAIN_LIMIT_MS;
    while (cloud.mskMapping.lag() > 0 && cloud.clock.now() < drainLimit) {
      if (!(await this.#step([cloud.nextDueAt()]))) break;
    }
    await cloud.firehose.flush();
    await cloud.pollAll();
    while (cloud.clock.now() < drainLimit) {
      if (!(await this.#step([cloud.nextDueAt()]))) break;
    }
    await cloud.settle();
    this.#progress.send(this.#phase, true);
  }

  /** Reporting: the books, the after-run steps (the dashboard), and the folder's state moves on. */
  async report(previous: LocalCloudState | undefined): Promise<RunReport> {
    const { cloud, fleet, hooks, options, span } = this;
    const { clock, settings } = cloud;
    this.#phase = 'reporting';
    this.#progress.send(this.#phase, true);
    const { summary, problems } = await account(
      cloud,
      fleet.counts,
      { startMs: span.startMs, endMs: clock.now() },
      { devices: this.#registry.entries.length, unregistered: this.#registry.unregistered },
    );
    const afterRunLines: string[] = [];
    for (const hook of hooks.afterRun ?? []) {
      const result = await hook({
        layout: settings.layout,
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
    await writeState(settings.layout, {
      version: 1,
      nextStartMs: Math.ceil(clock.now() / 1000) * 1000,
      runs: [
        ...(previous?.runs ?? []),
        {
          startedAt: new Date(span.wallStart).toISOString(),
          from: new Date(span.startMs).toISOString(),
          to: new Date(clock.now()).toISOString(),
          seed: options.seed,
          format: options.format,
          messages: fleet.counts.messages,
          interrupted,
          balanced: problems.length === 0,
        },
      ],
    });
    this.#phase = 'done';
    this.#progress.send(this.#phase, true);
    return { summary, problems, interrupted, afterRunLines };
  }

  /**
   * One step: jump to the next instant something is due, produce what is due, let every simulator
   * work until none has anything left to do at that instant. False when nothing is due.
   */
  async #step(candidates: (number | undefined)[]): Promise<boolean> {
    const { cloud, fleet, hooks } = this;
    // A step's own awaits rarely reach the event loop, so a report run beside the simulation would
    // see its query results only at the next file write; it goes on between steps instead.
    if (cloud.runnerMapping.inFlight) await yieldToEventLoop();
    const now0 = cloud.clock.now();
    const due = candidates.filter(
      (at): at is number => at !== undefined && (this.#idleAt !== now0 || at > now0),
    );
    // Nothing else due: the report runs still in flight end now.
    if (due.length === 0) return await cloud.settle();
    let next = Math.min(...due);
    if (this.#keepRunning && !fleet.stopped && this.#phase === 'producing') {
      // Real time: simulated time never runs ahead of the wall time elapsed since the start.
      while (next > this.#realTime() && !hooks.signal?.aborted) {
        this.#progress.send(this.#phase);
        await sleep(Math.min(250, next - this.#realTime()));
      }
      next = Math.min(next, Math.max(now0, this.#realTime()));
    }
    cloud.clock.advanceTo(next);
    const now = cloud.clock.now();
    const messages = this.#phase === 'producing' ? fleet.take(now) : [];
    await this.#send(messages, now);
    await this.#gateway.retryDue(now);
    // Most steps only produce: the simulators work when one of them is due.
    const cloudDue = cloud.nextDueAt();
    const work = cloudDue !== undefined && cloudDue <= now ? await cloud.pollAll() : 0;
    this.#idleAt = work === 0 && messages.length === 0 ? now : undefined;
    this.#progress.send(this.#phase);
    return true;
  }

  #realTime(): number {
    return this.span.startMs + (Date.now() - this.#paceStart);
  }

  /** Device messages to the hub (through the gateway, which retries throttled entries) or Kafka. */
  async #send(messages: DeviceMessage[], now: number): Promise<void> {
    const hubEntries = [];
    for (const message of messages) {
      if (message.path === 'hub') {
        hubEntries.push({ Data: message.data ?? Buffer.alloc(0), PartitionKey: message.deviceId });
      } else {
        this.cloud.kafka.produce(this.#topic, {
          key: message.deviceId,
          value: message.data,
          ...(message.headers ? { headers: message.headers } : {}),
          timestamp: message.at,
        });
      }
    }
    if (hubEntries.length > 0) await this.#gateway.put(hubEntries, now);
  }
}
