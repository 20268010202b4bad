import type { HourWindow, ReportExtent } from '../source';
import { DASHBOARD_SOURCES } from '../sources';
import { HOUR_MS, hourKey, hourStart, PanelError, type PanelContext } from './context';

const { siteHourly, deviceHourly, dataQuality } = DASHBOARD_SOURCES;

/** The hours every hourly panel charts, read once: the newest reported hours, up to `reportHours`. */
export interface ReportHours {
  /** The reported hours held (first, last, how many), or why they could not be read. */
  extent: ReportExtent | PanelError | null | undefined;
  /** The hours charted, oldest first (`YYYY-MM-DD HH`); empty when there are none. */
  hours: string[];
  /** The hours as the charts' x values (Unix seconds). */
  x: number[];
  /** Why the hourly panels are empty, when they are. */
  empty: string | undefined;
  /** The hours as a read's range. */
  range(): HourWindow;
  /** A panel over `relation`: why it is empty (its relation missing, or no hours), else undefined. */
  emptyFor(relation: string): string | undefined;
  /** Fills a chart's data from a read; the chart says why it is empty instead when it is. */
  fill<T>(
    chart: { empty?: string },
    relation: string,
    result: T | PanelError | undefined,
    fill: (rows: T) => void,
  ): void;
}

/** Reads the reported hours from the first report that exists (data quality, then the summaries). */
export const readReportHours = async (context: PanelContext): Promise<ReportHours> => {
  const { source, found, settings, missing, attempt } = context;
  const hourSource = [dataQuality, siteHourly, deviceHourly].find(({ relation }) => found.has(relation));
  const extent = !hourSource
    ? undefined
    : await attempt('reported hours', () => source.reportExtent(hourSource.relation));
  const empty = !hourSource
    ? missing(dataQuality.relation)!
    : extent instanceof PanelError
      ? extent.message
      : !extent
        ? 'No reported hours yet: report-runner loads one slice per hour of the lake.'
        : undefined;
  const hours: string[] = [];
  if (extent && !(extent instanceof PanelError)) {
    const lastMs = hourStart(String(extent.last_hour));
    const firstMs = Math.max(
      hourStart(String(extent.first_hour)),
      lastMs - (settings.reportHours - 1) * HOUR_MS,
    );
    for (let ms = firstMs; ms <= lastMs; ms += HOUR_MS) hours.push(hourKey(ms));
  }
  const emptyFor = (relation: string) => missing(relation) ?? empty;
  return {
    extent,
    hours,
    x: hours.map((key) => hourStart(key) / 1000),
    empty,
    range: () => ({ since: hours[0]!, hours: settings.reportHours }),
    emptyFor,
    fill: (chart, relation, result, fill) => {
      const absent = emptyFor(relation);
      if (absent) chart.empty = absent;
      else if (result instanceof PanelError) chart.empty = result.message;
      else fill(result as Exclude<typeof result, PanelError | undefined>);
    },
  };
};

/** Whether a panel over `relation` has hours to read: the hours exist and so does the relation. */
export const hasHours = (context: PanelContext, reportHours: ReportHours, relation: string): boolean =>
  reportHours.hours.length > 0 && context.found.has(relation);
