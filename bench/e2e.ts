import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunOptions } from '@pipeline/local/run';
import type { E2eRunReport } from './lib/e2e-run';
import { machine, median, table } from './lib/harness';

/**
 * End-to-end throughput and memory of the local cloud, headless: devices and Kafka producers
 * stream N events through the four services' real handlers (hub, Firehose + transform + Parquet,
 * msk-consumer, tumbling windows + PGlite, report-runner + DuckDB); each run in a fresh process.
 *
 * npm run bench:e2e [-- --events=100000,1000000 --runs=3 --rate=1000 --devices=1000]
 */

const args = new Map(
  process.argv.slice(2).map((arg) => {
    const [key = '', value = 'true'] = arg.replace(/^--/, '').split('=');
    return [key, value] as const;
  }),
);
const SIZES = (args.get('events') ?? '100000,1000000').split(',').map(Number);
const RUNS = Number(args.get('runs') ?? 3);
const RATE = Number(args.get('rate') ?? 1000);
const DEVICES = Number(args.get('devices') ?? 1000);
const MB = 1024 * 1024;

/** The CLI's defaults (npm start) except the load: DEVICES devices sending RATE events/s in total. */
const options = (root: string, events: number): RunOptions => ({
  root,
  devices: DEVICES,
  rate: RATE,
  events,
  startMs: Date.UTC(2026, 10, 25, 6),
  badShare: 0.02,
  kafkaShare: 0.25,
  duplicateShare: 0.01,
  lateShare: 0.01,
  heartbeatShare: 0.01,
  format: 'parquet',
  seed: 'bench',
  logLevel: 'ERROR',
});

const runOnce = async (events: number): Promise<E2eRunReport> => {
  const root = await mkdtemp(path.join(tmpdir(), 'bench-e2e-'));
  try {
    return await new Promise<E2eRunReport>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', path.join(__dirname, 'lib', 'e2e-run.ts'), JSON.stringify(options(root, events))],
        { cwd: path.resolve(__dirname, '..'), stdio: ['ignore', 'inherit', 'inherit', 'pipe'] },
      );
      let output = '';
      (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('error', reject);
      child.on('close', () => {
        const report = JSON.parse(output || '{"error":"no report"}') as E2eRunReport & { error?: string };
        if (report.error) reject(new Error(report.error));
        else resolve(report);
      });
    });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
};

const main = async (): Promise<void> => {
  console.log(`Machine: ${machine()}`);
  console.log(
    `Load: ${DEVICES} devices, ${RATE} events/s of event time, 2 hub shards, 25% via Kafka, Parquet lake; ${RUNS} run(s) per size, medians\n`,
  );
  const rows: string[][] = [];
  const peaks = new Map<number, number>();
  let failed = false;
  for (const events of SIZES) {
    const reports: E2eRunReport[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      const report = await runOnce(events);
      reports.push(report);
      console.log(
        `  ${events.toLocaleString('en-US')} events, run ${run + 1}: produced->lake ${(report.producedToLakeMs / 1000).toFixed(1)} s ` +
          `(CPU ${(report.producedToLakeCpuMs / 1000).toFixed(1)} s), ->reports ${(report.producedToReportsMs / 1000).toFixed(1)} s, startup ${(report.startupMs / 1000).toFixed(1)} s, ` +
          `max RSS ${(report.maxRssBytes / MB).toFixed(0)} MB, ${report.balanced ? 'balanced' : `NOT BALANCED: ${report.problems.join('; ')}`}`,
      );
      if (!report.balanced) failed = true;
    }
    const pick = (key: keyof E2eRunReport) => median(reports.map((report) => Number(report[key])));
    const first = reports[0] as E2eRunReport;
    peaks.set(events, pick('maxRssBytes'));
    rows.push([
      events.toLocaleString('en-US'),
      Math.round(events / (pick('producedToLakeMs') / 1000)).toLocaleString('en-US'),
      Math.round((pick('producedToLakeCpuMs') * 1000) / events).toLocaleString('en-US'),
      Math.round(events / (pick('producedToReportsMs') / 1000)).toLocaleString('en-US'),
      Math.round(events / (pick('wallMs') / 1000)).toLocaleString('en-US'),
      (pick('startupMs') / 1000).toFixed(1),
      (pick('producedToReportsMs') / 1000).toFixed(1),
      (pick('maxRssBytes') / MB).toFixed(0),
      first.delivered.toLocaleString('en-US'),
      String(first.lakeObjects),
      String(first.reportRuns),
      first.windowRows.toLocaleString('en-US'),
    ]);
  }
  console.log('');
  console.log(
    table(
      [
        'events',
        'events/s produced->lake',
        'CPU µs per event produced->lake',
        'events/s produced->reports done',
        'events/s whole run',
        'start-up s',
        'produced->reports s',
        'peak RSS MB',
        'in lake',
        'lake objects',
        'report runs',
        'window rows',
      ],
      rows,
    ),
  );
  const [small, large] = SIZES;
  if (small !== undefined && large !== undefined && large > small) {
    const growth = (peaks.get(large) ?? 0) / (peaks.get(small) ?? 1);
    console.log(
      `\nPeak RSS ${(large / small).toFixed(0)}x the events: ${growth.toFixed(2)}x the memory (${growth < large / small ? 'sub-linear' : 'NOT sub-linear'})`,
    );
  }
  if (failed) process.exitCode = 1;
};

void main();
