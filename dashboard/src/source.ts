import type {
  ReadableWarehouse,
  SelectColumn,
  SelectRequest,
  WarehouseRow,
  WarehouseValue,
} from '@pipeline/shared/warehouse';
import { DASHBOARD_SOURCES, HUB_SOURCES, sourceColumns } from './sources';

/** The newest real-time windows held: `first_window`, `last_window`, `last_window_end`, `newest_event`. */
export type RealtimeExtent = WarehouseRow;
/** The hours a report covers: `first_hour` and `last_hour` (`YYYY-MM-DD HH`) and how many (`hours`). */
export type ReportExtent = WarehouseRow;

/** Hours from `since` (`YYYY-MM-DD HH`, inclusive) on: the hours the dashboard charts. */
export interface HourWindow {
  since: string;
  /** How many hours are charted: reads hold at most this many per series. */
  hours: number;
}

/**
 * Where the dashboard's panels come from: the warehouse the reports are loaded into
 * ({@link warehouseDashboardSource}), or, on a stage without one, the report outputs in the
 * reports bucket and the real-time tables through Athena ({@link reportRowsDashboardSource} over
 * report-runner's readers). Each read is bounded by the hours or minutes charted; the panel logic
 * in `collectDashboard` is the same over every source.
 */
export interface DashboardSource {
  /** What the page says it read, when it is not a warehouse. */
  readonly readFrom?: string;
  /** Which of `names` exist in this store. */
  relations(names: readonly string[]): Promise<Set<string>>;
  realtimeExtent(): Promise<RealtimeExtent | null>;
  /** Real-time windows summed over devices, `since`..`until` (warehouse timestamps), by start. */
  eventsPerWindow(since: string, until: string, maxRows: number): Promise<WarehouseRow[]>;
  /** The newest `limit` alerts and how many there are. */
  alerts(limit: number): Promise<{ total: number; rows: WarehouseRow[] }>;
  reportExtent(relation: string): Promise<ReportExtent | null>;
  /** The `charted` sites with the most readings, how many sites there are, and their hourly rows. */
  siteSummary(
    range: HourWindow,
    charted: number,
  ): Promise<{ sites: string[]; total: number; rows: WarehouseRow[] }>;
  dataQuality(range: HourWindow): Promise<WarehouseRow[]>;
  /** Rejected records per hour and reason, every source together (`dt, hour, reason, rejected`). */
  quarantineByReason(range: HourWindow): Promise<WarehouseRow[]>;
  /** Anomalies per hour and metric, and the newest `limit` of them. */
  anomalies(range: HourWindow, limit: number): Promise<{ perHour: WarehouseRow[]; latest: WarehouseRow[] }>;
  /**
   * Each device's latest reported hour: counts (devices, silent: latest hour before `silentBefore`,
   * low_battery: battery_min below `lowBattery`), the `limit` lowest batteries and silent devices.
   */
  fleet(
    range: HourWindow,
    silentBefore: string,
    lowBattery: number,
    limit: number,
  ): Promise<{ counts: WarehouseRow; lowest: WarehouseRow[]; silent: WarehouseRow[] }>;
}

const {
  realtimeWindows,
  realtimeParts,
  realtimeAlerts,
  siteHourly,
  deviceHourly,
  anomalies,
  dataQuality,
  quarantineByReason,
} = DASHBOARD_SOURCES;

/** A numeric cell, or null for anything else (a missing row or a NULL). */
export const number = (value: WarehouseValue | undefined): number | null =>
  typeof value === 'number' ? value : null;

/** The quarantine chart's rows: summed over the sources that rejected. */
const QUARANTINE_CHART_COLUMNS: SelectColumn[] = [
  { name: 'dt', type: 'date' },
  { name: 'hour', type: 'string' },
  { name: 'reason', type: 'string' },
  { name: 'rejected', type: 'bigint' },
];

/** The dashboard over a warehouse: bounded, parameterised SELECTs, aggregated by the warehouse. */
export const warehouseDashboardSource = (warehouse: ReadableWarehouse): DashboardSource => {
  const select = (request: SelectRequest) => warehouse.select(request);
  const hourRange = ({ since }: HourWindow): SelectRequest['parameters'] => ({
    since_dt: { type: 'date', value: since.slice(0, 10) },
    since_hour: { type: 'string', value: since.slice(11, 13) },
  });
  const IN_RANGE = 'dt >= :since_dt AND (dt > :since_dt OR hour >= :since_hour)';

  return {
    relations: async (names) =>
      new Set(
        (
          await select({
            sql: `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN (${names
              .map((_, index) => `:r${index}`)
              .join(', ')})`,
            parameters: Object.fromEntries(
              names.map((name, index) => [`r${index}`, { type: 'string' as const, value: name }]),
            ),
            columns: [{ name: 'table_name', type: 'string' }],
          })
        ).map(({ table_name }) => String(table_name)),
      ),

    realtimeExtent: async () => {
      const [row] = await select({
        sql: `SELECT MIN(window_start) AS first_window, MAX(window_start) AS last_window,
  MAX(window_end) AS last_window_end, MAX(last_event_time) AS newest_event
FROM ${realtimeParts.relation}`,
        columns: [
          { name: 'first_window', type: 'timestamp' },
          { name: 'last_window', type: 'timestamp' },
          { name: 'last_window_end', type: 'timestamp' },
          { name: 'newest_event', type: 'timestamp' },
        ],
      });
      return row?.last_window ? row : null;
    },

    eventsPerWindow: (since, until, maxRows) =>
      select({
        sql: `SELECT window_start, MAX(window_end) AS window_end, SUM(event_count) AS events,
  ${HUB_SOURCES.map((source) => `SUM(${source}_count) AS ${source}`).join(', ')}
FROM ${realtimeWindows.relation}
WHERE window_start >= :since AND window_start <= :until
GROUP BY window_start`,
        parameters: {
          since: { type: 'timestamp', value: since },
          until: { type: 'timestamp', value: until },
        },
        columns: [
          { name: 'window_start', type: 'timestamp' },
          { name: 'window_end', type: 'timestamp' },
          { name: 'events', type: 'bigint' },
          ...HUB_SOURCES.map((name) => ({ name, type: 'bigint' as const })),
        ],
        orderBy: [{ column: 'window_start' }],
        maxRows,
      }),

    alerts: async (limit) => {
      const [count] = await select({
        sql: `SELECT COUNT(*) AS alerts FROM ${realtimeAlerts.relation}`,
        columns: [{ name: 'alerts', type: 'bigint' }],
      });
      const rows = await select({
        sql: `SELECT ${Object.keys(realtimeAlerts.columns).join(', ')} FROM ${realtimeAlerts.relation}
ORDER BY window_start DESC, device_id, rule_id LIMIT ${limit}`,
        columns: sourceColumns('realtimeAlerts'),
        orderBy: [
          { column: 'window_start', descending: true },
          { column: 'device_id' },
          { column: 'rule_id' },
        ],
      });
      return { total: number(count?.alerts) ?? 0, rows };
    },

    reportExtent: async (relation) => {
      const [row] = await select({
        sql: `SELECT MIN(to_char(dt, 'YYYY-MM-DD') || ' ' || hour) AS first_hour,
  MAX(to_char(dt, 'YYYY-MM-DD') || ' ' || hour) AS last_hour, COUNT(*) AS hours
FROM (SELECT DISTINCT dt, hour FROM ${relation}) AS reported`,
        columns: [
          { name: 'first_hour', type: 'string' },
          { name: 'last_hour', type: 'string' },
          { name: 'hours', type: 'bigint' },
        ],
      });
      return row?.last_hour ? row : null;
    },

    siteSummary: async (range, charted) => {
      const sites = await select({
        sql: `SELECT site, SUM(readings) AS readings FROM ${siteHourly.relation} WHERE ${IN_RANGE} GROUP BY site`,
        parameters: hourRange(range),
        columns: [
          { name: 'site', type: 'string' },
          { name: 'readings', type: 'bigint' },
        ],
        orderBy: [{ column: 'readings', descending: true }, { column: 'site' }],
      });
      const chartedSites = sites.slice(0, charted).map(({ site }) => String(site));
      const rows = await select({
        sql: `SELECT ${Object.keys(siteHourly.columns).join(', ')}
FROM ${siteHourly.relation}
WHERE ${IN_RANGE} AND site IN (${chartedSites.map((_, index) => `:site${index}`).join(', ')})`,
        parameters: {
          ...hourRange(range),
          ...Object.fromEntries(
            chartedSites.map((site, index) => [`site${index}`, { type: 'string' as const, value: site }]),
          ),
        },
        columns: sourceColumns('siteHourly'),
        orderBy: [{ column: 'dt' }, { column: 'hour' }, { column: 'site' }],
        maxRows: charted * range.hours,
      });
      return { sites: chartedSites, total: sites.length, rows };
    },

    dataQuality: (range) =>
      select({
        sql: `SELECT ${Object.keys(dataQuality.columns).join(', ')} FROM ${dataQuality.relation} WHERE ${IN_RANGE}`,
        parameters: hourRange(range),
        columns: sourceColumns('dataQuality'),
        orderBy: [{ column: 'dt' }, { column: 'hour' }],
        maxRows: range.hours,
      }),

    quarantineByReason: (range) =>
      select({
        sql: `SELECT dt, hour, reason, SUM(rejected) AS rejected FROM ${quarantineByReason.relation} WHERE ${IN_RANGE} GROUP BY dt, hour, reason`,
        parameters: hourRange(range),
        columns: QUARANTINE_CHART_COLUMNS,
        orderBy: [{ column: 'dt' }, { column: 'hour' }, { column: 'reason' }],
      }),

    anomalies: async (range, limit) => {
      const perHour = await select({
        sql: `SELECT dt, hour, metric, COUNT(*) AS anomalies FROM ${anomalies.relation} WHERE ${IN_RANGE} GROUP BY dt, hour, metric`,
        parameters: hourRange(range),
        columns: [
          { name: 'dt', type: 'date' },
          { name: 'hour', type: 'string' },
          { name: 'metric', type: 'string' },
          { name: 'anomalies', type: 'bigint' },
        ],
        orderBy: [{ column: 'dt' }, { column: 'hour' }, { column: 'metric' }],
        maxRows: range.hours * 20,
      });
      const latest = await select({
        sql: `SELECT ${Object.keys(anomalies.columns).join(', ')} FROM ${anomalies.relation} WHERE ${IN_RANGE}
ORDER BY event_time DESC, event_id, metric LIMIT ${limit}`,
        parameters: hourRange(range),
        columns: sourceColumns('anomalies'),
        orderBy: [{ column: 'event_time', descending: true }, { column: 'event_id' }, { column: 'metric' }],
      });
      return { perHour, latest };
    },

    fleet: async (range, silentBefore, lowBattery, limit) => {
      const latest = `WITH ranked AS (
  SELECT device_id, site, dt, hour, readings, battery_min,
    ROW_NUMBER() OVER (PARTITION BY device_id ORDER BY dt DESC, hour DESC) AS position
  FROM ${deviceHourly.relation}
  WHERE ${IN_RANGE}
), latest AS (
  SELECT device_id, site, dt, hour, readings, battery_min,
    CASE WHEN dt < :cut_dt OR (dt = :cut_dt AND hour < :cut_hour) THEN 1 ELSE 0 END AS silent
  FROM ranked WHERE position = 1
)`;
      const parameters = {
        ...hourRange(range),
        cut_dt: { type: 'date' as const, value: silentBefore.slice(0, 10) },
        cut_hour: { type: 'string' as const, value: silentBefore.slice(11, 13) },
      };
      const deviceColumns = sourceColumns('deviceHourly');
      const [counts] = await select({
        sql: `${latest}
SELECT COUNT(*) AS devices, SUM(silent) AS silent,
  SUM(CASE WHEN battery_min < :low THEN 1 ELSE 0 END) AS low_battery
FROM latest`,
        parameters: { ...parameters, low: { type: 'double', value: lowBattery } },
        columns: [
          { name: 'devices', type: 'bigint' },
          { name: 'silent', type: 'bigint' },
          { name: 'low_battery', type: 'bigint' },
        ],
      });
      const lowest = await select({
        sql: `${latest}
SELECT ${deviceColumns.map(({ name }) => name).join(', ')} FROM latest
WHERE battery_min IS NOT NULL ORDER BY battery_min, device_id LIMIT ${limit}`,
        parameters,
        columns: deviceColumns,
        orderBy: [{ column: 'battery_min' }, { column: 'device_id' }],
      });
      const silent = await select({
        sql: `${latest}
SELECT ${deviceColumns.map(({ name }) => name).join(', ')} FROM latest
WHERE silent = 1 ORDER BY dt, hour, device_id LIMIT ${limit}`,
        parameters,
        columns: deviceColumns,
        orderBy: [{ column: 'dt' }, { column: 'hour' }, { column: 'device_id' }],
      });
      return { counts: counts ?? {}, lowest, silent };
    },
  };
};

/** The real-time tables on a stage without a warehouse: analytics-sink's Glue tables, through Athena. */
export type RealtimeDashboardReader = Pick<
  DashboardSource,
  'relations' | 'realtimeExtent' | 'eventsPerWindow' | 'alerts'
>;

/** Report outputs as report-runner wrote them (`reports/<report>/dt=.../hour=.../`). */
export interface ReportRowsReader {
  /** Whether the report has written any output yet (cheaper than listing its hours). */
  exists(relation: string): Promise<boolean>;
  /** The hours (`YYYY-MM-DD HH`) whose run of the report completed, ascending. */
  hours(relation: string): Promise<string[]>;
  /** The report's rows of the completed hours from `since` on. */
  rows(relation: string, since: string): Promise<WarehouseRow[]>;
}

/** `YYYY-MM-DD HH` of a report row. */
const hourOf = (row: WarehouseRow): string => `${String(row.dt)} ${String(row.hour)}`;
const text = (value: WarehouseValue | undefined): string =>
  value === null || value === undefined ? '' : String(value);
/** Orders rows by columns, as the warehouse's ORDER BY does (NULLs last, text by code unit). */
const byColumns =
  (...columns: { column: string; descending?: boolean }[]) =>
  (a: WarehouseRow, b: WarehouseRow): number => {
    for (const { column, descending } of columns) {
      const [x, y] = [a[column], b[column]];
      if (x === y) continue;
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      const order = typeof x === 'number' && typeof y === 'number' ? x - y : text(x) < text(y) ? -1 : 1;
      if (order !== 0) return descending ? -order : order;
    }
    return 0;
  };
/** The row with only `columns`, in their order (what a warehouse SELECT of them returns). */
const pick = (row: WarehouseRow, columns: readonly string[]): WarehouseRow =>
  Object.fromEntries(columns.map((column) => [column, row[column] ?? null]));

/**
 * The dashboard on a stage without a warehouse: report panels aggregated here from the report
 * outputs of the hours charted (a bounded window: the same numbers the warehouse's GROUP BYs
 * give), real-time panels from `realtime`. A report "exists" once one of its runs completed.
 */
export const reportRowsDashboardSource = (
  realtime: RealtimeDashboardReader,
  reports: ReportRowsReader,
): DashboardSource => {
  const reportRelations = new Set<string>(
    [siteHourly, deviceHourly, anomalies, dataQuality, quarantineByReason].map(({ relation }) => relation),
  );
  const rows = async (relation: string, { since }: HourWindow) =>
    (await reports.rows(relation, since)).filter((row) => hourOf(row) >= since);
  return {
    readFrom: 'the report outputs and the real-time tables',
    relations: async (names) => {
      const found = await realtime.relations(names.filter((name) => !reportRelations.has(name)));
      for (const name of names.filter((name) => reportRelations.has(name)))
        if (await reports.exists(name)) found.add(name);
      return found;
    },
    realtimeExtent: () => realtime.realtimeExtent(),
    eventsPerWindow: (since, until, maxRows) => realtime.eventsPerWindow(since, until, maxRows),
    alerts: (limit) => realtime.alerts(limit),

    reportExtent: async (relation) => {
      const hours = await reports.hours(relation);
      return hours.length === 0
        ? null
        : { first_hour: hours[0]!, last_hour: hours[hours.length - 1]!, hours: hours.length };
    },

    siteSummary: async (range, charted) => {
      const all = await rows(siteHourly.relation, range);
      const readings = new Map<string, number>();
      for (const row of all)
        readings.set(text(row.site), (readings.get(text(row.site)) ?? 0) + (number(row.readings) ?? 0));
      const sites = [...readings]
        .map(([site, total]) => ({ site, readings: total }))
        .sort(byColumns({ column: 'readings', descending: true }, { column: 'site' }));
      const chartedSites = sites.slice(0, charted).map(({ site }) => site);
      const columns = Object.keys(siteHourly.columns);
      return {
        sites: chartedSites,
        total: sites.length,
        rows: all
          .filter((row) => chartedSites.includes(text(row.site)))
          .map((row) => pick(row, columns))
          .sort(byColumns({ column: 'dt' }, { column: 'hour' }, { column: 'site' })),
      };
    },

    dataQuality: async (range) =>
      (await rows(dataQuality.relation, range))
        .map((row) => pick(row, Object.keys(dataQuality.columns)))
        .sort(byColumns({ column: 'dt' }, { column: 'hour' })),

    quarantineByReason: async (range) => {
      const sums = new Map<string, { row: WarehouseRow; rejected: number }>();
      for (const row of await rows(quarantineByReason.relation, range)) {
        const key = `${hourOf(row)}|${text(row.reason)}`;
        const held = sums.get(key) ?? { row, rejected: 0 };
        held.rejected += number(row.rejected) ?? 0;
        sums.set(key, held);
      }
      return [...sums.values()]
        .map(({ row, rejected }) => ({ ...pick(row, ['dt', 'hour', 'reason']), rejected }))
        .sort(byColumns({ column: 'dt' }, { column: 'hour' }, { column: 'reason' }));
    },

    anomalies: async (range, limit) => {
      const all = await rows(anomalies.relation, range);
      const counts = new Map<string, { row: WarehouseRow; anomalies: number }>();
      for (const row of all) {
        const key = `${hourOf(row)}|${text(row.metric)}`;
        const counted = counts.get(key) ?? { row, anomalies: 0 };
        counted.anomalies += 1;
        counts.set(key, counted);
      }
      const perHour = [...counts.values()].map(({ row, anomalies: count }) => ({
        ...pick(row, ['dt', 'hour', 'metric']),
        anomalies: count,
      }));
      return {
        perHour: perHour.sort(byColumns({ column: 'dt' }, { column: 'hour' }, { column: 'metric' })),
        latest: all
          .map((row) => pick(row, Object.keys(anomalies.columns)))
          .sort(
            byColumns(
              { column: 'event_time', descending: true },
              { column: 'event_id' },
              { column: 'metric' },
            ),
          )
          .slice(0, limit),
      };
    },

    fleet: async (range, silentBefore, lowBattery, limit) => {
      const latest = new Map<string, WarehouseRow>();
      for (const row of await rows(deviceHourly.relation, range)) {
        const held = latest.get(text(row.device_id));
        if (!held || hourOf(row) > hourOf(held)) latest.set(text(row.device_id), row);
      }
      const columns = Object.keys(deviceHourly.columns);
      const devices = [...latest.values()].map((row) => pick(row, columns));
      const silent = devices.filter((row) => hourOf(row) < silentBefore);
      const batteries = devices.filter((row) => number(row.battery_min) !== null);
      return {
        counts: {
          devices: devices.length,
          silent: silent.length,
          low_battery: batteries.filter((row) => number(row.battery_min)! < lowBattery).length,
        },
        lowest: batteries.sort(byColumns({ column: 'battery_min' }, { column: 'device_id' })).slice(0, limit),
        silent: silent
          .sort(byColumns({ column: 'dt' }, { column: 'hour' }, { column: 'device_id' }))
          .slice(0, limit),
      };
    },
  };
};
