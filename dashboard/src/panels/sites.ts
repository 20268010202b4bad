import { METRICS, METRIC_NAMES, type MetricName } from '@pipeline/shared';
import type { ChartModel } from '../model';
import { number } from '../source';
import { DASHBOARD_SOURCES } from '../sources';
import { capitalise, hourlyChart, rowHour, type PanelContext } from './context';
import { hasHours, type ReportHours } from './report-hours';

const { siteHourly } = DASHBOARD_SOURCES;
const SITES_CHARTED = 8;

/** The site summary column charted for a metric: the hourly mean, or for battery the minimum. */
const siteColumn = (metric: MetricName): string => (metric === 'battery' ? 'battery_min' : `${metric}_avg`);

/** One chart per metric: its hourly average per site (battery: the minimum), the busiest sites. */
export const sitePanels = async (context: PanelContext, reportHours: ReportHours): Promise<ChartModel[]> => {
  const { settings } = context;
  const read = hasHours(context, reportHours, siteHourly.relation)
    ? await context.attempt('site hourly summary', () =>
        context.source.siteSummary(reportHours.range(), SITES_CHARTED),
      )
    : undefined;
  return METRIC_NAMES.map((metric) => {
    const { unit } = METRICS[metric];
    const chart = hourlyChart({
      id: `site-${metric}`,
      title: metric === 'battery' ? 'Lowest battery per site' : `Average ${metric} per site`,
      description:
        metric === 'battery'
          ? `Lowest battery level reported in each site per hour (${siteHourly.relation}.battery_min).`
          : `Mean ${metric} of the readings of each site per hour (${siteHourly.relation}.${siteColumn(metric)}).`,
      unit,
      yLabel: `${capitalise(metric)} (${unit})`,
    });
    reportHours.fill(chart, siteHourly.relation, read, ({ sites, total, rows }) => {
      if (sites.length === 0) {
        chart.empty = `No site summaries in the last ${settings.reportHours} hours reported.`;
        return;
      }
      const cell = new Map(
        rows.map((row) => [`${rowHour(row)}|${String(row.site)}`, number(row[siteColumn(metric)])]),
      );
      chart.x = reportHours.x;
      chart.series = sites.map((site) => ({
        label: site,
        values: reportHours.hours.map((hour) => cell.get(`${hour}|${site}`) ?? null),
      }));
      if (total > sites.length)
        chart.note = `The ${sites.length} sites with the most readings are shown; ${total - sites.length} more are not.`;
    });
    return chart;
  });
};
