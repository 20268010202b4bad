import type { WarehouseRow } from '@pipeline/shared/warehouse';
import type { ChartModel } from '../model';
import { number } from '../source';
import { DASHBOARD_SOURCES } from '../sources';
import { hourlyChart, rowHour, type PanelContext } from './context';
import { hasHours, type ReportHours } from './report-hours';

const { dataQuality } = DASHBOARD_SOURCES;

export interface DataQualityPanels {
  /** Records stored and distinct readings per hour. */
  throughput: ChartModel;
  /** Duplicate copies and late records per hour. */
  duplicatesAndLate: ChartModel;
  /** The rows read, for the headline numbers; null when they were not read. */
  rows: WarehouseRow[] | null;
  /**
   * Whether the report covers `hour`: an hour it covers and another panel has no row for is 0; one
   * it does not cover has no value. Every hour counts as covered when the report was not read.
   */
  covers(hour: string): boolean;
}

/** The data-quality report per hour: throughput, duplicates and late records. */
export const dataQualityPanels = async (
  context: PanelContext,
  reportHours: ReportHours,
): Promise<DataQualityPanels> => {
  const read = hasHours(context, reportHours, dataQuality.relation)
    ? await context.attempt('data quality', () => context.source.dataQuality(reportHours.range()))
    : undefined;
  const byHour = new Map(Array.isArray(read) ? read.map((row) => [rowHour(row), row] as const) : []);
  const series = (column: string) =>
    reportHours.hours.map((hour) => number(byHour.get(hour)?.[column]) ?? null);
  const throughput = hourlyChart({
    id: 'records-per-hour',
    title: 'Records stored per hour',
    description: `Records written to the lake and distinct readings among them (${dataQuality.relation}).`,
    unit: 'records',
    yLabel: 'Records per hour',
  });
  const duplicatesAndLate = hourlyChart({
    id: 'duplicates-late',
    title: 'Duplicates and late records per hour',
    description: `Extra copies of a reading (same event_id) and records stored long after their event time (${dataQuality.relation}).`,
    unit: 'records',
    yLabel: 'Records per hour',
  });
  for (const [chart, lines] of [
    [
      throughput,
      [
        ['Records stored', 'records'],
        ['Distinct readings', 'readings'],
      ],
    ],
    [
      duplicatesAndLate,
      [
        ['Duplicate copies', 'duplicate_records'],
        ['Late records', 'late_records'],
      ],
    ],
  ] as const) {
    reportHours.fill(chart, dataQuality.relation, read, () => {
      chart.x = reportHours.x;
      chart.series = lines.map(([label, column]) => ({ label, values: series(column) }));
    });
  }
  return {
    throughput,
    duplicatesAndLate,
    rows: Array.isArray(read) ? read : null,
    covers: (hour) => read === undefined || byHour.has(hour),
  };
};
