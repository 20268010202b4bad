import path from 'node:path';
import type { RunSummary } from '../cloud/accounting';
import {
  booksTable,
  formatCount as count,
  labelledLines as list,
  problemsText,
  reasonRows,
} from '@pipeline/shared/books';
import type { Progress, RunResult } from '../cloud/run';
import { faultLines } from './render-faults';

/** `2h05m`, `42m`, `35s`. */
export const formatSpan = (ms: number): string => {
  const seconds = Math.round(ms / 1000);
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (hours > 0) return `${hours}h${String(minutes).padStart(2, '0')}m`;
  if (minutes > 0) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${seconds}s`;
};

const simTime = (epochMs: number) => new Date(epochMs).toISOString().slice(0, 16).replace('T', ' ');

/** One line of progress: the TTY rewrites it in place, a log gets it every few seconds. */
export const progressLine = (progress: Progress): string => {
  const elapsed = progress.simNow - progress.startMs;
  const of = progress.endMs === undefined ? '' : `/${formatSpan(progress.endMs - progress.startMs)}`;
  const produced =
    progress.target === undefined
      ? count(progress.produced)
      : `${count(progress.produced)}/${count(progress.target)}`;
  return [
    `${progress.phase.padEnd(9)}`,
    `sim ${simTime(progress.simNow)} (+${formatSpan(elapsed)}${of})`,
    `produced ${produced}`,
    `kafka lag ${count(progress.kafkaLag)}`,
    `hub lag ${count(progress.hubLag)}`,
    `lake ${count(progress.delivered)}`,
    `failed ${count(progress.failed)}`,
    `reports ${count(progress.reportRuns)}`,
    `windows ${count(progress.windowRows)}`,
    `${(progress.wallMs / 1000).toFixed(1)}s`,
  ].join('  ');
};

const relative = (file: string) => {
  const shown = path.relative(process.cwd(), file);
  return shown.startsWith('..') ? file : shown || '.';
};

/** The end-of-run summary: the books per source, then what the run left where. */
export const summaryText = (result: RunResult): string => {
  const { summary, layout } = result;
  const seconds = result.wallMs / 1000;
  const lines = [
    '',
    `Local cloud run: ${simTime(summary.startMs)} -> ${simTime(summary.endMs)} UTC ` +
      `(${formatSpan(summary.endMs - summary.startMs)} of event time) in ${seconds.toFixed(1)} s` +
      ` - ${count(Math.round(summary.produced / Math.max(seconds, 0.001)))} messages/s, peak RSS ${Math.round(result.peakRssBytes / 1024 / 1024)} MiB` +
      (result.interrupted ? ' (interrupted)' : ''),
    '',
    ...booksTable(summary.sources, summary.forwardedFromKafka).map((line) => `  ${line}`),
    '',
    ...list(
      [
        ...reasonRows(summary.sources),
        [
          'duplicates removed',
          `${count(summary.duplicatesRemoved)} extra copies in the lake (reports count each event_id once); ` +
            `${count(summary.realtimeDuplicatesSkipped)} skipped by the real-time windows`,
        ],
        [
          'report runs',
          `${count(summary.reportRuns)} (${summary.lake.partitions.length} hour partitions, ${count(summary.lake.objects)} lake objects)` +
            (summary.reportRunsFailed > 0
              ? `, ${count(summary.reportRunsFailed)} partition runs failed`
              : ''),
        ],
        [
          'warehouse rows',
          Object.entries(summary.warehouseRows)
            .map(([name, rows]) => `${name} ${count(rows)}`)
            .join(', ') || '-',
        ],
        ['real-time windows', `${count(summary.realtimeWindowRows)} device-window rows written`],
        ['alerts', `${count(summary.alerts)} (table realtime_alert; --log-level warn prints them)`],
        ...(summary.registry
          ? [
              [
                'device registry',
                `${count(summary.registry.devices)} devices registered, ${count(summary.registry.unregisteredDevices)} unregistered; ` +
                  `lake rows ${count(summary.registry.records.registered)} registered, ${count(summary.registry.records.unregistered)} unregistered`,
              ],
            ]
          : []),
        [
          'queues',
          `report DLQ ${count(summary.queues.deadLetter)}, sink failures ${count(summary.queues.sinkFailures)}, ` +
            `MSK on-failure ${count(summary.queues.mskFailures)}, report queue ${count(summary.queues.runs)}`,
        ],
      ].map(([label, text]) => [`${label}:`, text ?? '']),
    ).map((line) => `  ${line}`),
    ...faultLines(summary),
    '',
    `Folders (${relative(layout.root)}):`,
    `  lake          ${relative(path.join(layout.lakeDir, 'raw'))}/dt=YYYY-MM-DD/hour=HH/   (errors/ beside it)`,
    `  reports       ${relative(path.join(layout.reportsDir, 'reports'))}/<report>/dt=.../hour=.../`,
    `  quarantine    ${relative(path.join(layout.quarantineDir, 'errors', 'msk'))}/`,
    `  warehouse     ${relative(layout.warehouseDir)}   (PGlite: npx pglite-server --db=${relative(layout.warehouseDir)}, then psql postgres://postgres@127.0.0.1:5432/postgres)`,
    ...result.afterRunLines.map((line) => `  ${line}`),
  ];
  return lines.join('\n');
};

export { problemsText };

export type { RunSummary };
