import path from 'node:path';
import type { RunSummary, SourceAccount } from '../cloud/accounting';
import type { Progress, RunResult } from '../cloud/run';
import { faultLines } from './render-faults';

const count = (value: number) => value.toLocaleString('en-US');
const total = (counts: Record<string, number>) =>
  Object.values(counts).reduce((sum, value) => sum + value, 0);

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

const reasons = (counts: Record<string, number>) =>
  Object.keys(counts).length === 0
    ? '-'
    : Object.entries(counts)
        .sort(([, a], [, b]) => b - a)
        .map(([reason, value]) => `${reason} ${count(value)}`)
        .join(', ');

const list = (rows: string[][]): string[] => {
  const width = Math.max(...rows.map(([label = '']) => label.length));
  return rows.map(([label = '', text = '']) => `${label.padEnd(width)}  ${text}`);
};

const table = (rows: string[][]): string[] => {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) =>
    row
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('   ')
      .trimEnd(),
  );
};

const relative = (file: string) => {
  const shown = path.relative(process.cwd(), file);
  return shown.startsWith('..') ? file : shown || '.';
};

/** The end-of-run summary: the books per source, then what the run left where. */
export const summaryText = (result: RunResult): string => {
  const { summary, layout } = result;
  const { devices, kafka } = summary.sources;
  const sum = (pick: (source: SourceAccount) => number) => count(pick(devices) + pick(kafka));
  const balanced = (source: SourceAccount) =>
    source.produced === source.delivered + total(source.dropped) + total(source.failed) ? 'yes' : 'NO';
  const seconds = result.wallMs / 1000;
  const lines = [
    '',
    `Local cloud run: ${simTime(summary.startMs)} -> ${simTime(summary.endMs)} UTC ` +
      `(${formatSpan(summary.endMs - summary.startMs)} of event time) in ${seconds.toFixed(1)} s` +
      ` - ${count(Math.round(summary.produced / Math.max(seconds, 0.001)))} messages/s, peak RSS ${Math.round(result.peakRssBytes / 1024 / 1024)} MiB` +
      (result.interrupted ? ' (interrupted)' : ''),
    '',
    ...table([
      ['', 'devices', 'kafka', 'total'],
      ['produced', count(devices.produced), count(kafka.produced), sum((s) => s.produced)],
      ['forwarded from Kafka', '-', count(summary.forwardedFromKafka), count(summary.forwardedFromKafka)],
      ['delivered to the lake', count(devices.delivered), count(kafka.delivered), sum((s) => s.delivered)],
      ['dropped', count(total(devices.dropped)), count(total(kafka.dropped)), sum((s) => total(s.dropped))],
      ['failed', count(total(devices.failed)), count(total(kafka.failed)), sum((s) => total(s.failed))],
      ['balanced', balanced(devices), balanced(kafka), ''],
    ]).map((line) => `  ${line}`),
    '',
    ...list(
      [
        ['dropped, devices', reasons(devices.dropped)],
        ['dropped, kafka', reasons(kafka.dropped)],
        ['failed, devices', reasons(devices.failed)],
        ['failed, kafka', reasons(kafka.failed)],
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

/** Every balance that failed, for stderr. */
export const problemsText = (problems: readonly string[]): string =>
  [
    '',
    `The books do not balance (${problems.length} problem${problems.length === 1 ? '' : 's'}):`,
    ...problems.map((problem) => `  - ${problem}`),
  ].join('\n');

export type { RunSummary };
