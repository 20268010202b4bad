// What the dashboard must show for the fixture, computed in plain TypeScript from the known rows
// (not from the warehouse, and not with the generator's code).
import { METRIC_NAMES } from '@pipeline/shared';
import type { WarehouseRow } from '@pipeline/shared/warehouse';
import { DASHBOARD_SOURCES } from '../src';
import { GAP_WINDOW_MS, LAST_HOUR_MS, LAST_WINDOW_MS, WINDOWS, type FixtureRows } from './fixture';

const HOUR_MS = 3_600_000;
const hourKey = (ms: number) => new Date(ms).toISOString().slice(0, 13).replace('T', ' ');
const keyOf = (row: WarehouseRow) => `${String(row.dt)} ${String(row.hour)}`;
const project = (row: WarehouseRow, columns: Record<string, unknown>) =>
  Object.fromEntries(Object.keys(columns).map((name) => [name, row[name] ?? null]));
const total = (rows: WarehouseRow[], column: string) =>
  rows.reduce((sum, row) => sum + Number(row[column]), 0);

export const expectedDashboard = (
  fixture: FixtureRows,
  { reportHours = 72, lowBattery = 15, silentAfterHours = 2 } = {},
) => {
  const hours = Array.from({ length: reportHours }, (_, i) =>
    hourKey(LAST_HOUR_MS - (reportHours - 1 - i) * HOUR_MS),
  );
  const inRange = (row: WarehouseRow) => hours.includes(keyOf(row));
  const x = hours.map((key) => Date.parse(`${key.replace(' ', 'T')}:00:00Z`) / 1000);
  const rows = (name: string) => fixture.rows[name]!.filter(inRange);

  const sites = rows('site_hourly_summary');
  const siteOrder = [...new Set(sites.map(({ site }) => String(site)))]
    .map((site) => ({
      site,
      readings: total(
        sites.filter((row) => row.site === site),
        'readings',
      ),
    }))
    .sort((a, b) => b.readings - a.readings || a.site.localeCompare(b.site))
    .map(({ site }) => site);
  const siteSeries = (column: string) =>
    siteOrder.map((site) => ({
      label: site,
      values: hours.map((hour) => {
        const row = sites.find((candidate) => candidate.site === site && keyOf(candidate) === hour);
        return row ? (row[column] as number | null) : null;
      }),
    }));

  const quality = rows('data_quality');
  const qualitySeries = (label: string, column: string) => ({
    label,
    values: hours.map(
      (hour) => (quality.find((row) => keyOf(row) === hour)?.[column] as number | undefined) ?? null,
    ),
  });

  const anomalies = rows('anomalies');
  const quarantine = rows('quarantine_by_reason');
  const quarantineReasons = [...new Set(quarantine.map(({ reason }) => String(reason)))].sort();
  const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

  // Real-time: every minute from the first to the last window, parts summed per window.
  const windowStarts = Array.from({ length: WINDOWS }, (_, i) => LAST_WINDOW_MS - (WINDOWS - 1 - i) * 60_000);
  const parts = fixture.rows.realtime_device_window_part!;
  const perWindow = (column: string) =>
    windowStarts.map((ms) =>
      ms === GAP_WINDOW_MS
        ? 0
        : total(
            parts.filter((row) => Date.parse(`${String(row.window_start).replace(' ', 'T')}Z`) === ms),
            column,
          ),
    );

  // Fleet: each device's newest hour in range.
  const latest = new Map<string, WarehouseRow>();
  for (const row of rows('device_hourly_stats')) {
    const previous = latest.get(String(row.device_id));
    if (!previous || keyOf(row) > keyOf(previous)) latest.set(String(row.device_id), row);
  }
  const cutoff = hourKey(LAST_HOUR_MS - (silentAfterHours - 1) * HOUR_MS);
  const deviceColumns = DASHBOARD_SOURCES.deviceHourly.columns;
  const fleet = [...latest.values()];

  return {
    charts: {
      'events-per-minute': {
        x: windowStarts.map((ms) => ms / 1000),
        series: [
          { label: 'All paths', values: perWindow('event_count') },
          { label: 'Kinesis (IoT/SDK)', values: perWindow('kinesis_count') },
          { label: 'MSK (Kafka)', values: perWindow('msk_count') },
        ],
      },
      ...Object.fromEntries(
        METRIC_NAMES.map((metric) => [
          `site-${metric}`,
          { x, series: siteSeries(metric === 'battery' ? 'battery_min' : `${metric}_avg`) },
        ]),
      ),
      'records-per-hour': {
        x,
        series: [qualitySeries('Records stored', 'records'), qualitySeries('Distinct readings', 'readings')],
      },
      'duplicates-late': {
        x,
        series: [
          qualitySeries('Duplicate copies', 'duplicate_records'),
          qualitySeries('Late records', 'late_records'),
        ],
      },
      // Summed over the hops; an hour reported without rejections has 0.
      'quarantine-by-reason': {
        x,
        series: quarantineReasons.map((reason) => ({
          label: reason,
          values: hours.map((hour) =>
            quality.some((row) => keyOf(row) === hour)
              ? total(
                  quarantine.filter((row) => keyOf(row) === hour && row.reason === reason),
                  'rejected',
                )
              : null,
          ),
        })),
      },
      'anomalies-per-hour': {
        x,
        series: METRIC_NAMES.map((metric) => ({
          label: capitalise(metric),
          values: hours.map(
            (hour) => anomalies.filter((row) => keyOf(row) === hour && row.metric === metric).length,
          ),
        })),
      },
    } as Record<string, { x: number[]; series: { label: string; values: (number | null)[] }[] }>,
    tables: {
      anomalies: {
        total: anomalies.length,
        rows: [...anomalies]
          .sort(
            (a, b) =>
              String(b.event_time).localeCompare(String(a.event_time)) ||
              String(a.event_id).localeCompare(String(b.event_id)) ||
              String(a.metric).localeCompare(String(b.metric)),
          )
          .slice(0, 15),
      },
      lowestBattery: {
        total: fleet.filter((row) => Number(row.battery_min) < lowBattery).length,
        rows: [...fleet]
          .sort(
            (a, b) =>
              Number(a.battery_min) - Number(b.battery_min) ||
              String(a.device_id).localeCompare(String(b.device_id)),
          )
          .slice(0, 10)
          .map((row) => project(row, deviceColumns)),
      },
      silentDevices: {
        total: fleet.filter((row) => keyOf(row) < cutoff).length,
        rows: fleet
          .filter((row) => keyOf(row) < cutoff)
          .sort(
            (a, b) =>
              keyOf(a).localeCompare(keyOf(b)) || String(a.device_id).localeCompare(String(b.device_id)),
          )
          .map((row) => project(row, deviceColumns)),
      },
      alerts: {
        total: fixture.rows.realtime_alert!.length,
        rows: [...fixture.rows.realtime_alert!]
          .sort((a, b) => String(b.window_start).localeCompare(String(a.window_start)))
          .map((row) => project(row, DASHBOARD_SOURCES.realtimeAlerts.columns)),
      },
    },
    kpis: {
      devices: latest.size,
      records: total(quality, 'records'),
      readings: total(quality, 'readings'),
      duplicateRecords: total(quality, 'duplicate_records'),
      lateRecords: total(quality, 'late_records'),
      maxLatenessSeconds: Math.max(...quality.map((row) => Number(row.max_lateness_seconds ?? 0))),
      anomalies: anomalies.length,
      alerts: fixture.rows.realtime_alert!.length,
    },
    newestEventTime: parts
      .map((row) => String(row.last_event_time))
      .sort()
      .at(-1)!,
    hours,
  };
};
