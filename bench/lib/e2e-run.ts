import { writeSync } from 'node:fs';
import { runLocalCloud, type Phase, type RunOptions } from '@pipeline/local/run';

/**
 * One headless local-cloud run in its own process (so its peak RSS is its own), driven by
 * bench/e2e.ts: `node --import tsx bench/lib/e2e-run.ts <options JSON>`. Prints one JSON line on
 * fd 3 with the timings the parent reports.
 */

export interface E2eRunReport {
  events: number;
  /** Process start to the first produced message: module loading, PGlite and DuckDB opening. */
  startupMs: number;
  /** First produced message to every record in the lake (Firehose buffers flushed). */
  producedToLakeMs: number;
  /**
   * CPU time (user + system, every thread of the process) from the first produced message to the
   * last record in the lake: moves far less than wall time when other jobs share the cores.
   */
  producedToLakeCpuMs: number;
  /** First produced message to the end of the drain: every report run and real-time window done. */
  producedToReportsMs: number;
  /** First produced message to the last one. */
  producingMs: number;
  wallMs: number;
  /** The kernel's high-water mark of the process's resident set (getrusage ru_maxrss). */
  maxRssBytes: number;
  /** The largest RSS the run sampled while it ran (every 100 ms). */
  sampledPeakRssBytes: number;
  delivered: number;
  reportRuns: number;
  windowRows: number;
  lakeObjects: number;
  balanced: boolean;
  problems: string[];
}

const main = async (): Promise<void> => {
  const options = JSON.parse(process.argv[2] ?? '{}') as RunOptions;
  const processStart = performance.now() - process.uptime() * 1000;
  let firstProduced: number | undefined;
  let lastProduced: number | undefined;
  let lakeDone: number | undefined;
  let cpuAtFirst: NodeJS.CpuUsage | undefined;
  let cpuToLake: NodeJS.CpuUsage | undefined;
  let reportsDone: number | undefined;
  let phase: Phase = 'starting';
  let lastDelivered = -1;
  const result = await runLocalCloud(options, {
    onProgress: (progress) => {
      const now = performance.now();
      if (progress.produced > 0 && firstProduced === undefined) {
        firstProduced = now;
        cpuAtFirst = process.cpuUsage();
      }
      if (progress.phase === 'producing') lastProduced = now;
      // The lake is complete when the delivered count last changed.
      if (progress.delivered !== lastDelivered) {
        lastDelivered = progress.delivered;
        lakeDone = now;
        if (cpuAtFirst) cpuToLake = process.cpuUsage(cpuAtFirst);
      }
      if (phase === 'draining' && progress.phase !== 'draining') reportsDone ??= now;
      phase = progress.phase;
    },
  });
  const end = performance.now();
  const start = firstProduced ?? end;
  const report: E2eRunReport = {
    events: result.fleet.messages,
    startupMs: start - processStart,
    producedToLakeMs: (lakeDone ?? end) - start,
    producedToLakeCpuMs: cpuToLake ? (cpuToLake.user + cpuToLake.system) / 1000 : 0,
    producedToReportsMs: (reportsDone ?? end) - start,
    producingMs: (lastProduced ?? end) - start,
    wallMs: end - processStart,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    sampledPeakRssBytes: result.peakRssBytes,
    delivered: result.summary.deliveredToLake,
    reportRuns: result.summary.reportRuns,
    windowRows: result.summary.realtimeWindowRows,
    lakeObjects: result.summary.lake.objects,
    balanced: result.problems.length === 0,
    problems: result.problems,
  };
  writeSync(3, `${JSON.stringify(report)}\n`);
};

main().catch((error: unknown) => {
  writeSync(3, `${JSON.stringify({ error: String((error as Error)?.stack ?? error) })}\n`);
  process.exitCode = 1;
});
