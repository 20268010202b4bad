import { booksTable, formatCount, labelledLines, reasonRows } from './render';
import type { HopCheck, StageBooks } from './stage';

const utc = (epochMs: number) => new Date(epochMs).toISOString().slice(0, 16).replace('T', ' ');

const hopText = ({ expected, observed, upTo, drift }: HopCheck): string =>
  `${formatCount(observed)} of ${upTo === undefined ? formatCount(expected) : `${formatCount(expected)}-${formatCount(upTo)}`}` +
  (drift > 0 ? `  NO (${formatCount(drift)} beyond tolerance)` : '  ok');

/**
 * A stage's books as `npm start` prints its own (the same table and reason rows), then each hop
 * with its two counts and what the stage did after the lake.
 */
export const stageBooksText = (books: StageBooks, target: string): string[] => {
  const { counts } = books;
  return [
    `Books of ${target}: ${utc(books.range.fromMs)} -> ${utc(books.range.toMs)} UTC`,
    '',
    ...booksTable(books.sources, books.forwardedFromKafka).map((line) => `  ${line}`),
    '',
    ...labelledLines(
      [
        ...reasonRows(books.sources),
        ...books.hops.map((hop) => [hop.hop, `${hop.what}: ${hopText(hop)}`]),
        [
          'report runs',
          `${formatCount(counts.reports.runs)} (${counts.lake.partitions.length} hour partitions hold the range's rows` +
            (counts.reports.missing.length > 0
              ? `, ${counts.reports.missing.length} report runs missing)`
              : ')'),
        ],
        [
          'real-time windows',
          `${formatCount(counts.realtime.counted)} records counted, ${formatCount(counts.realtime.windowRows)} device-window rows written`,
        ],
        ['alerts', formatCount(counts.realtime.alerts)],
        ['drift', `${formatCount(books.drift)} records no hop accounts for`],
      ].map(([label, text]) => [`${label}:`, text ?? '']),
    ).map((line) => `  ${line}`),
  ];
};
