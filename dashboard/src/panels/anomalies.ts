import { METRIC_NAMES } from '@pipeline/shared';
import type { ChartModel, TableModel } from '../model';
import { number } from '../source';
import { DASHBOARD_SOURCES } from '../sources';
import { capitalise, hourlyChart, PanelError, rowHour, type PanelContext } from './context';
import type { DataQualityPanels } from './data-quality';
import { hasHours, type ReportHours } from './report-hours';

const { anomalies } = DASHBOARD_SOURCES;
const TABLE_ROWS = 15;

/**
 * Readings outside their thresholds: a chart per hour stacked by metric, the newest in a table,
 * and their total (null when they were not read).
 */
export const anomalyPanels = async (
  context: PanelContext,
  reportHours: ReportHours,
  quality: Pick<DataQualityPanels, 'covers'>,
): Promise<{ chart: ChartModel; table: TableModel; total: number | null }> => {
  const read = hasHours(context, reportHours, anomalies.relation)
    ? await context.attempt('anomalies', () => context.source.anomalies(reportHours.range(), TABLE_ROWS))
    : undefined;
  const chart = hourlyChart({
    id: 'anomalies-per-hour',
    kind: 'stacked-bars',
    title: 'Anomalies per hour',
    description: `Readings outside the configured thresholds, by metric (${anomalies.relation}).`,
    unit: 'readings',
    yLabel: 'Anomalous readings',
  });
  const table: TableModel = { rows: [], total: 0 };
  reportHours.fill(chart, anomalies.relation, read, ({ perHour, latest }) => {
    const counts = new Map(
      perHour.map((row) => [`${rowHour(row)}|${String(row.metric)}`, number(row.anomalies)]),
    );
    chart.x = reportHours.x;
    chart.series = METRIC_NAMES.map((metric) => ({
      label: capitalise(metric),
      values: reportHours.hours.map(
        (hour) => counts.get(`${hour}|${metric}`) ?? (quality.covers(hour) ? 0 : null),
      ),
    }));
    table.rows = latest;
    table.total = perHour.reduce((sum, row) => sum + (number(row.anomalies) ?? 0), 0);
    if (table.total === 0)
      table.empty = `No anomalies in the last ${reportHours.hours.length} hours reported.`;
  });
  if (chart.empty) table.empty = chart.empty;
  return { chart, table, total: read && !(read instanceof PanelError) ? table.total : null };
};
