// A warehouse with known rows, created from the real definitions: report-runner's SQL headers and
// analytics-sink's real-time tables and view. The rows tell a plausible story (four sites, a day
// and a half of hourly reports, two and a half hours of real-time windows) so the screenshot of the
// dashboard built from them is worth looking at.
import { createHash } from 'node:crypto';
import { freshPgliteWarehouse } from '@pipeline/local/testing';
import { loadReports } from '@pipeline/report-runner';
import { ensureRealtimeSchema, ALERT_TABLE, WINDOW_PART_TABLE } from '@pipeline/analytics-sink';
import type { PostgresWarehouse, WarehouseRow, WarehouseTable } from '@pipeline/shared/warehouse';
import type { DashboardModel } from '../src';

/** The time the fixture dashboard is generated for. */
export const NOW = new Date('2026-03-02T12:04:30.000Z');
/** Hourly reports: 80 hours ending with 2026-03-02 11:00 (so a 72-hour chart cuts the first 8). */
export const REPORT_HOURS = 80;
export const LAST_HOUR_MS = Date.parse('2026-03-02T11:00:00Z');
/** Real-time windows: 150 one-minute windows ending with the one that starts at 12:03. */
export const WINDOWS = 150;
export const LAST_WINDOW_MS = Date.parse('2026-03-02T12:03:00Z');
/** A window with no row at all (the sink saw no readings): the chart shows 0 there. */
export const GAP_WINDOW_MS = LAST_WINDOW_MS - 40 * 60_000;

export const SITES = ['berlin-plant', 'lyon-depot', 'oslo-lab', 'porto-dock'];
const DEVICES_PER_SITE = 4;
export const DEVICES = SITES.flatMap((site, s) =>
  Array.from({ length: DEVICES_PER_SITE }, (_, d) => ({
    id: `dev-${String(s * DEVICES_PER_SITE + d + 1).padStart(4, '0')}`,
    site,
  })),
);
/** Devices that stop reporting 5 hours before the newest reported hour. */
export const SILENT = ['dev-0006', 'dev-0013'];
/** A device whose battery runs down below the 15 % threshold. */
export const DRAINING = 'dev-0010';

const HOUR_MS = 3_600_000;
const timestamp = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 23);
const dtHour = (ms: number) => ({
  dt: new Date(ms).toISOString().slice(0, 10),
  hour: new Date(ms).toISOString().slice(11, 13),
});

/** A small deterministic generator (mulberry32), so the rows are the same on every run. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
};
const round = (value: number, digits = 6) => Math.round(value * 10 ** digits) / 10 ** digits;

export interface FixtureRows {
  tables: Record<string, WarehouseTable>;
  rows: Record<string, WarehouseRow[]>;
}

/** The known rows, by warehouse table. */
export const fixtureRows = (): FixtureRows => {
  const next = random(42);
  const reports = Object.fromEntries(loadReports().map(({ name, table }) => [name, table]));
  const hours = Array.from(
    { length: REPORT_HOURS },
    (_, i) => LAST_HOUR_MS - (REPORT_HOURS - 1 - i) * HOUR_MS,
  );

  const deviceRows: WarehouseRow[] = [];
  const anomalyRows: WarehouseRow[] = [];
  for (const [h, hourMs] of hours.entries()) {
    const dayPhase = Math.sin(((new Date(hourMs).getUTCHours() - 9) / 24) * 2 * Math.PI);
    for (const [index, { id, site }] of DEVICES.entries()) {
      if (SILENT.includes(id) && hourMs > LAST_HOUR_MS - 5 * HOUR_MS) continue;
      const s = SITES.indexOf(site);
      const readings = 55 + Math.floor(next() * 10);
      const temperature = 18 + s * 2.5 + 4 * dayPhase + next();
      const humidity = 45 + s * 6 - 8 * dayPhase + next() * 2;
      const pressure = 1008 + s * 3 + 2 * Math.sin(h / 9) + next();
      const battery =
        id === DRAINING
          ? Math.max(4, 60 - h * 0.7)
          : Math.max(20, 98 - h * (0.15 + (index % 5) * 0.05) - next());
      deviceRows.push({
        ...dtHour(hourMs),
        device_id: id,
        site,
        readings,
        temperature_min: round(temperature - 1.5),
        temperature_avg: round(temperature),
        temperature_max: round(temperature + 1.5),
        humidity_min: round(humidity - 3),
        humidity_avg: round(humidity),
        humidity_max: round(humidity + 3),
        pressure_min: round(pressure - 0.6),
        pressure_avg: round(pressure),
        pressure_max: round(pressure + 0.6),
        battery_min: round(battery, 1),
        battery_avg: round(battery + 0.4, 1),
        battery_max: round(battery + 0.8, 1),
      });
      // A heat spike at berlin-plant in the afternoons, and the draining battery.
      const eventMs = hourMs + Math.floor(next() * HOUR_MS);
      const anomaly = (metric: string, value: number, min: number, max: number) =>
        anomalyRows.push({
          ...dtHour(hourMs),
          event_id: createHash('md5').update(`${id}|${hourMs}|${metric}`).digest('hex'),
          device_id: id,
          site,
          event_time: timestamp(eventMs),
          metric,
          value: round(value, 2),
          threshold_min: min,
          threshold_max: max,
        });
      if (site === 'berlin-plant' && dayPhase > 0.85 && next() < 0.5)
        anomaly('temperature', 51 + next() * 6, -20, 50);
      if (id === DRAINING && battery < 15) anomaly('battery', battery - 0.5, 15, 100);
      if (site === 'oslo-lab' && next() < 0.03) anomaly('humidity', 96 + next() * 3, 5, 95);
    }
  }

  const siteRows: WarehouseRow[] = [];
  const qualityRows: WarehouseRow[] = [];
  const quarantineRows: WarehouseRow[] = [];
  for (const hourMs of hours) {
    const { dt, hour } = dtHour(hourMs);
    const inHour = deviceRows.filter((row) => row.dt === dt && row.hour === hour);
    for (const site of SITES) {
      const rows = inHour.filter((row) => row.site === site);
      const readings = rows.reduce((sum, row) => sum + Number(row.readings), 0);
      const mean = (column: string) =>
        round(rows.reduce((sum, row) => sum + Number(row[column]) * Number(row.readings), 0) / readings);
      const lowest = [...rows].sort(
        (a, b) =>
          Number(a.battery_min) - Number(b.battery_min) ||
          String(a.device_id).localeCompare(String(b.device_id)),
      )[0]!;
      siteRows.push({
        dt,
        hour,
        site,
        devices: rows.length,
        readings,
        temperature_avg: mean('temperature_avg'),
        humidity_avg: mean('humidity_avg'),
        pressure_avg: mean('pressure_avg'),
        battery_min: lowest.battery_min ?? null,
        lowest_battery_device: lowest.device_id ?? null,
      });
    }
    const readings = inHour.reduce((sum, row) => sum + Number(row.readings), 0);
    const duplicates = Math.floor(next() * 12) + (hour === '04' ? 140 : 0);
    const late = Math.floor(next() * 6) + (hour === '07' ? 60 : 0);
    qualityRows.push({
      dt,
      hour,
      records: readings + duplicates,
      readings,
      duplicate_event_ids: Math.max(0, duplicates - 2),
      duplicate_records: duplicates,
      late_records: late,
      max_lateness_seconds: late > 0 ? round(900 + next() * 2400, 3) : null,
      devices: inHour.length,
    });
    // The quarantine: rejections from two hops, one reason from both, none at all in some hours.
    if (hour !== '05')
      quarantineRows.push(
        { dt, hour, source: 'transform', reason: 'invalid_json', rejected: 1 + Math.floor(next() * 4) },
        { dt, hour, source: 'kafka', reason: 'invalid_json', rejected: Math.floor(next() * 3) + 1 },
        ...(hour === '06'
          ? [{ dt, hour, source: 'firehose', reason: 'Lambda.FunctionError', rejected: 25 }]
          : []),
      );
  }

  // Real-time windows: one row per device and minute; some windows of dev-0001 in two segments.
  const partRows: WarehouseRow[] = [];
  for (let w = 0; w < WINDOWS; w += 1) {
    const startMs = LAST_WINDOW_MS - (WINDOWS - 1 - w) * 60_000;
    if (startMs === GAP_WINDOW_MS) continue;
    const load = 1 + 0.35 * Math.sin(w / 14) + (w > 95 && w < 105 ? 0.8 : 0);
    for (const { id } of DEVICES) {
      if (SILENT.includes(id)) continue;
      const segments = id === 'dev-0001' && w % 25 === 0 ? 2 : 1;
      for (let segment = 0; segment < segments; segment += 1) {
        const events = Math.max(1, Math.round((6 + next() * 3) * load));
        const msk = id >= 'dev-0009' ? Math.round(events * 0.4) : 0;
        const temperature = 20 + next() * 4;
        partRows.push({
          device_id: id,
          window_start: timestamp(startMs),
          segment_id: `shardId-00000000000${segment}:${startMs}`,
          window_end: timestamp(startMs + 60_000),
          event_count: events,
          duplicate_count: next() < 0.1 ? 1 : 0,
          unverified_count: 0,
          first_event_time: timestamp(startMs + 1_000),
          last_event_time: timestamp(startMs + 58_000 - Math.floor(next() * 5000)),
          kinesis_count: events - msk,
          msk_count: msk,
          temperature_count: events,
          temperature_sum: round(temperature * events),
          temperature_min: round(temperature - 0.5),
          temperature_max: round(temperature + 0.5),
          humidity_count: events,
          humidity_sum: round(50 * events),
          humidity_min: 48,
          humidity_max: 52,
          pressure_count: events,
          pressure_sum: round(1010 * events),
          pressure_min: 1009,
          pressure_max: 1011,
          battery_count: events,
          battery_sum: round(80 * events),
          battery_min: 80,
          battery_max: 80,
          written_at: timestamp(startMs + 61_000),
        });
      }
    }
  }

  const alertRows: WarehouseRow[] = [0, 1, 2].map((i) => {
    const startMs = LAST_WINDOW_MS - (10 + i * 30) * 60_000;
    return {
      alert_id: `a${i}`.padEnd(32, '0'),
      device_id: i === 1 ? DRAINING : 'dev-0002',
      window_start: timestamp(startMs),
      window_end: timestamp(startMs + 60_000),
      rule_id: i === 1 ? 'battery_below_15' : 'temperature_above_80',
      metric: i === 1 ? 'battery' : 'temperature',
      comparison: i === 1 ? 'below' : 'above',
      threshold: i === 1 ? 15 : 80,
      observed: i === 1 ? 9.5 : 84.25 + i,
      readings: 7,
      average: i === 1 ? 10.1 : 41.5,
      first_event_time: timestamp(startMs + 2_000),
      last_event_time: timestamp(startMs + 55_000),
      segment_id: `shardId-000000000000:${startMs}`,
      published_at: timestamp(startMs + 62_000),
    };
  });

  return {
    tables: {
      device_hourly_stats: reports.device_hourly_stats!,
      site_hourly_summary: reports.site_hourly_summary!,
      anomalies: reports.anomalies!,
      data_quality: reports.data_quality!,
      quarantine_by_reason: reports.quarantine_by_reason!,
      realtime_device_window_part: WINDOW_PART_TABLE,
      realtime_alert: ALERT_TABLE,
    },
    rows: {
      device_hourly_stats: deviceRows,
      site_hourly_summary: siteRows,
      anomalies: anomalyRows,
      data_quality: qualityRows,
      quarantine_by_reason: quarantineRows,
      realtime_device_window_part: partRows,
      realtime_alert: alertRows,
    },
  };
};

/** Every table the dashboard reads, created from its real definition (the view too), empty. */
export const createSchema = async (warehouse: PostgresWarehouse): Promise<void> => {
  for (const { table } of loadReports()) await warehouse.ensureTable(table);
  await ensureRealtimeSchema(warehouse);
};

/** Loads the rows the way the pipeline does: report slices replaced per hour, windows upserted. */
export const loadFixture = async (warehouse: PostgresWarehouse, fixture: FixtureRows): Promise<void> => {
  await createSchema(warehouse);
  for (const name of [
    'device_hourly_stats',
    'site_hourly_summary',
    'anomalies',
    'data_quality',
    'quarantine_by_reason',
  ]) {
    const rows = fixture.rows[name]!;
    for (const key of new Set(rows.map(({ dt, hour }) => `${String(dt)}|${String(hour)}`))) {
      const [dt, hour] = key.split('|') as [string, string];
      await warehouse.replaceRows({
        table: fixture.tables[name]!,
        scope: { dt, hour },
        rows: rows.filter((row) => row.dt === dt && row.hour === hour),
      });
    }
  }
  await warehouse.upsertRows({ table: WINDOW_PART_TABLE, rows: fixture.rows.realtime_device_window_part! });
  await warehouse.upsertRows({ table: ALERT_TABLE, rows: fixture.rows.realtime_alert! });
};

/** A fresh in-memory PGlite warehouse holding the fixture. */
export const fixtureWarehouse = async (fixture: FixtureRows = fixtureRows()) => {
  const { warehouse } = await freshPgliteWarehouse();
  await loadFixture(warehouse, fixture);
  return warehouse;
};

/**
 * A model read without a warehouse, worded as the warehouse's: it differs only in naming what it
 * read (`readFrom`, and the rejections panel that says where rejected records are not).
 */
export const asReadFromWarehouse = ({ readFrom, ...model }: DashboardModel): DashboardModel => ({
  ...model,
  tables: {
    ...model.tables,
    rejections: {
      ...model.tables.rejections,
      ...(model.tables.rejections.empty
        ? { empty: model.tables.rejections.empty.replace(`Not in ${readFrom}:`, 'Not in the warehouse:') }
        : {}),
    },
  },
});
