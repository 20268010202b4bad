import { isBalanced, totalOf, type SourceAccount, type SourceName } from './accounts';

export const formatCount = (value: number): string => value.toLocaleString('en-US');

/** `reason count, ...`, largest first; `-` when there is none. */
export const reasonsText = (counts: Record<string, number>): string =>
  Object.keys(counts).length === 0
    ? '-'
    : Object.entries(counts)
        .sort(([, a], [, b]) => b - a)
        .map(([reason, value]) => `${reason} ${formatCount(value)}`)
        .join(', ');

/** Labelled lines, the labels padded to one width. */
export const labelledLines = (rows: string[][]): string[] => {
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

/**
 * The books table, one column per source and a total: produced, forwarded from Kafka, delivered,
 * dropped, failed, and whether each source balances (produced = delivered + dropped + failed).
 */
export const booksTable = (
  sources: Record<SourceName, SourceAccount>,
  forwardedFromKafka: number,
): string[] => {
  const { devices, kafka } = sources;
  const sum = (pick: (source: SourceAccount) => number) => formatCount(pick(devices) + pick(kafka));
  const balanced = (source: SourceAccount) => (isBalanced(source) ? 'yes' : 'NO');
  return table([
    ['', 'devices', 'kafka', 'total'],
    ['produced', formatCount(devices.produced), formatCount(kafka.produced), sum((s) => s.produced)],
    ['forwarded from Kafka', '-', formatCount(forwardedFromKafka), formatCount(forwardedFromKafka)],
    [
      'delivered to the lake',
      formatCount(devices.delivered),
      formatCount(kafka.delivered),
      sum((s) => s.delivered),
    ],
    [
      'dropped',
      formatCount(totalOf(devices.dropped)),
      formatCount(totalOf(kafka.dropped)),
      sum((s) => totalOf(s.dropped)),
    ],
    [
      'failed',
      formatCount(totalOf(devices.failed)),
      formatCount(totalOf(kafka.failed)),
      sum((s) => totalOf(s.failed)),
    ],
    ['balanced', balanced(devices), balanced(kafka), ''],
  ]);
};

/** The reasons behind the dropped and failed columns, as labelled rows for `labelledLines`. */
export const reasonRows = (sources: Record<SourceName, SourceAccount>): string[][] => [
  ['dropped, devices', reasonsText(sources.devices.dropped)],
  ['dropped, kafka', reasonsText(sources.kafka.dropped)],
  ['failed, devices', reasonsText(sources.devices.failed)],
  ['failed, kafka', reasonsText(sources.kafka.failed)],
];

/** Every balance that failed, for stderr. */
export const problemsText = (problems: readonly string[]): string =>
  [
    '',
    `The books do not balance (${problems.length} problem${problems.length === 1 ? '' : 's'}):`,
    ...problems.map((problem) => `  - ${problem}`),
  ].join('\n');
