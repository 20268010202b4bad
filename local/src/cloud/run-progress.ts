import type { DeviceFleet } from '../simulators/DeviceFleet';
import type { LocalCloud } from './LocalCloud';

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

const PROGRESS_EVERY_MS = 100;

/**
 * A run's progress as the display sees it: the phase and a snapshot of the cloud's counters, sent
 * at most every `PROGRESS_EVERY_MS` of wall time unless forced. Each snapshot also samples the
 * process's resident set size for the run's peak.
 */
export class RunProgress {
  #lastSent = 0;
  #peakRssBytes = process.memoryUsage.rss();

  constructor(
    private readonly cloud: LocalCloud,
    private readonly fleet: DeviceFleet,
    private readonly run: {
      startMs: number;
      endMs: number | undefined;
      target: number | undefined;
      wallStart: number;
      onProgress: ((progress: Progress) => void) | undefined;
    },
  ) {}

  /** Largest resident set size seen so far, bytes. */
  get peakRssBytes(): number {
    return Math.max(this.#peakRssBytes, process.memoryUsage.rss());
  }

  send(phase: Phase, force = false): void {
    const wallNow = Date.now();
    if (!force && wallNow - this.#lastSent < PROGRESS_EVERY_MS) return;
    this.#lastSent = wallNow;
    this.#peakRssBytes = Math.max(this.#peakRssBytes, process.memoryUsage.rss());
    const { cloud, fleet, run } = this;
    run.onProgress?.({
      phase,
      simNow: cloud.clock.now(),
      startMs: run.startMs,
      endMs: run.endMs,
      produced: fleet.counts.messages,
      target: run.target,
      kafkaLag: cloud.mskMapping.lag(),
      hubLag: cloud.firehose.reader.lag(),
      delivered: cloud.firehose.stats.delivered,
      failed:
        cloud.firehose.stats.processingFailed + cloud.recorder.sum('msk-consumer', 'RecordsQuarantined'),
      reportRuns: cloud.recorder.sum('report-runner', 'ReportRuns'),
      windowRows: cloud.recorder.sum('analytics-sink', 'WindowRowsWritten'),
      wallMs: wallNow - run.wallStart,
    });
  }
}
