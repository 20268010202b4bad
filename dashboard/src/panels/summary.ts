import type { WarehouseRow } from '@pipeline/shared/warehouse';
import type { DashboardModel, FreshnessStatus } from '../model';
import { number, type RealtimeExtent, type ReportExtent } from '../source';
import { HOUR_MS, hourStart, parseTimestamp } from './context';

const grade = (ageMs: number, fresh: number, delayed: number): FreshnessStatus =>
  ageMs <= fresh ? 'fresh' : ageMs <= delayed ? 'delayed' : 'stale';

/**
 * How fresh the data is, from the newest real-time event (windows close every minute or so) or
 * else the end of the newest reported hour (reports cover whole hours).
 */
export const freshnessOf = (
  nowMs: number,
  realtime: RealtimeExtent | undefined,
  reports: ReportExtent | undefined,
): DashboardModel['freshness'] => {
  const newestEventMs = realtime?.newest_event ? parseTimestamp(realtime.newest_event) : null;
  const newestReportEndMs = reports ? hourStart(String(reports.last_hour)) + HOUR_MS : null;
  const age = (ms: number | null) => (ms === null ? null : Math.round((nowMs - ms) / 1000));
  const status: FreshnessStatus =
    newestEventMs !== null
      ? grade(nowMs - newestEventMs, 5 * 60_000, 30 * 60_000)
      : newestReportEndMs !== null
        ? grade(nowMs - newestReportEndMs, HOUR_MS, 6 * HOUR_MS)
        : 'no-data';
  return {
    status,
    newestEventTime: realtime?.newest_event ? String(realtime.newest_event) : null,
    newestEventAgeSeconds: age(newestEventMs),
    newestReportHour: reports ? `${String(reports.last_hour)}:00` : null,
    newestReportAgeSeconds: age(newestReportEndMs),
  };
};

/** What the stores hold and what the charts show. */
export const coverageOf = (
  realtime: RealtimeExtent | undefined,
  reports: ReportExtent | undefined,
  realtimeChart: { from: string; to: string } | null,
  hours: readonly string[],
): DashboardModel['coverage'] => ({
  realtime: realtime ? { from: String(realtime.first_window), to: String(realtime.last_window_end) } : null,
  reports: reports
    ? {
        from: `${String(reports.first_hour)}:00`,
        to: `${String(reports.last_hour)}:00`,
        hours: number(reports.hours) ?? 0,
      }
    : null,
  realtimeChart,
  reportCharts:
    hours.length > 0
      ? { from: `${hours[0]}:00`, to: `${hours[hours.length - 1]}:00`, hours: hours.length }
      : null,
});

/** The headline numbers of the data-quality rows read (each null when they were not read). */
export const qualityKpis = (
  rows: WarehouseRow[] | null,
): Pick<
  DashboardModel['kpis'],
  'records' | 'readings' | 'duplicateRecords' | 'lateRecords' | 'maxLatenessSeconds'
> => {
  const sum = (column: string) =>
    rows ? rows.reduce((total, row) => total + (number(row[column]) ?? 0), 0) : null;
  return {
    records: sum('records'),
    readings: sum('readings'),
    duplicateRecords: sum('duplicate_records'),
    lateRecords: sum('late_records'),
    maxLatenessSeconds: rows
      ? rows.reduce<number | null>((max, row) => {
          const value = number(row.max_lateness_seconds);
          return value === null ? max : Math.max(max ?? value, value);
        }, null)
      : null,
  };
};
