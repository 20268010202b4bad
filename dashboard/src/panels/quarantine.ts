import type { ChartModel } from '../model';
import { number } from '../source';
import { DASHBOARD_SOURCES } from '../sources';
import { hourlyChart, rowHour, type PanelContext } from './context';
import type { DataQualityPanels } from './data-quality';
import { hasHours, type ReportHours } from './report-hours';

const { quarantineByReason } = DASHBOARD_SOURCES;

/** Records rejected per hour received, stacked by reason (every rejecting hop together). */
export const quarantinePanel = async (
  context: PanelContext,
  reportHours: ReportHours,
  quality: Pick<DataQualityPanels, 'covers'>,
): Promise<ChartModel> => {
  const read = hasHours(context, reportHours, quarantineByReason.relation)
    ? await context.attempt('quarantine by reason', () =>
        context.source.quarantineByReason(reportHours.range()),
      )
    : undefined;
  const chart = hourlyChart({
    id: 'quarantine-by-reason',
    kind: 'stacked-bars',
    title: 'Quarantine by reason',
    description: `Records rejected per hour received, by reason, every rejecting hop together (${quarantineByReason.relation}; the quarantine view holds each record).`,
    unit: 'records',
    yLabel: 'Rejected records',
  });
  reportHours.fill(chart, quarantineByReason.relation, read, (perHour) => {
    const counts = new Map(
      perHour.map((row) => [`${rowHour(row)}|${String(row.reason)}`, number(row.rejected)]),
    );
    const reasons = [...new Set(perHour.map((row) => String(row.reason)))].sort();
    if (reasons.length === 0) {
      chart.empty = `Nothing rejected in the last ${reportHours.hours.length} hours reported.`;
      return;
    }
    chart.x = reportHours.x;
    chart.series = reasons.map((reason) => ({
      label: reason,
      values: reportHours.hours.map(
        (hour) => counts.get(`${hour}|${reason}`) ?? (quality.covers(hour) ? 0 : null),
      ),
    }));
  });
  return chart;
};
