import type { WarehouseRow } from '@pipeline/shared/warehouse';
import {
  DASHBOARD_SOURCES,
  HUB_SOURCES,
  type RealtimeDashboardReader,
  type ReportRowsReader,
} from '@pipeline/dashboard';
import { REPORTS_PREFIX, reportOutputKeys } from './layout';
import type { ObjectReader, QueryEngine } from './ports';

/** The report a warehouse relation holds: `report_<name>` (the `warehouse_table` of its SQL header). */
const reportName = (relation: string): string => relation.replace(/^report_/, '');

const RUN_MANIFEST = /dt=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})\/_manifest\.json$/;

/**
 * Report outputs read straight from the reports bucket: no Glue table is needed, and the dashboard
 * reads only the hours it charts. An hour counts once its run manifest exists: report-runner
 * writes it last, so an hour whose run failed halfway is not read.
 */
export const reportOutputsReader = (objects: ObjectReader): ReportRowsReader => {
  const completedHours = async (relation: string, startAfter?: string): Promise<string[]> =>
    (await objects.list(`${REPORTS_PREFIX}${reportName(relation)}/`, startAfter))
      .map((key) => RUN_MANIFEST.exec(key))
      .filter((match) => match !== null)
      .map(([, dt, hour]) => `${dt} ${hour}`);
  return {
    exists: async (relation) =>
      (await objects.list(`${REPORTS_PREFIX}${reportName(relation)}/`, undefined, 1)).length > 0,
    hours: (relation) => completedHours(relation),
    rows: async (relation, since) => {
      const name = reportName(relation);
      // Keys sort by dt then hour, so listing after the day before `since` skips older hours.
      const hours = (
        await completedHours(relation, `${REPORTS_PREFIX}${name}/dt=${since.slice(0, 10)}`)
      ).filter((hour) => hour >= since);
      const slices = await Promise.all(
        hours.map(async (hour) => {
          const body = await objects.get(
            reportOutputKeys(name, { dt: hour.slice(0, 10), hour: hour.slice(11) }).data,
          );
          return (body ?? '')
            .split('\n')
            .filter((line) => line.trim() !== '')
            .map((line) => JSON.parse(line) as WarehouseRow);
        }),
      );
      return slices.flat();
    },
  };
};

/** The real-time tables' relations as the engine names them (`"db"."table"` in Athena). */
export interface RealtimeRelations {
  windowParts: string;
  alerts: string;
}

/** The real-time tables of a Glue database, as Athena names them. */
export const realtimeRelations = (database: string): RealtimeRelations => ({
  windowParts: `"${database}"."${DASHBOARD_SOURCES.realtimeParts.relation}"`,
  alerts: `"${database}"."${DASHBOARD_SOURCES.realtimeAlerts.relation}"`,
});

/**
 * How far back the real-time panels read: the chart's window (`realtimeMinutes`, 3 hours by
 * default) and a day's margin, so a stage whose stream paused overnight still shows its last
 * windows.
 */
export const REALTIME_LOOKBACK_HOURS = 36;

/** `YYYY-MM-DD` of an epoch time: the `dt` partition of the real-time tables. */
const dayOf = (epochMs: number): string => new Date(epochMs).toISOString().slice(0, 10);

/**
 * The real-time tables analytics-sink writes without a warehouse, through the query engine (Athena
 * over its Glue tables, DuckDB locally). Every query reads only the `dt` partitions of the last
 * `lookbackHours` (the tables are partitioned by the window start's day and hour), so a dashboard
 * costs the same on day 1 and day 1,000; the real-time coverage and the alerts are those of that
 * window. The SQL is portable (`?` only in WHERE; see portable-sql.ts), summing window rows over
 * segments and devices as the `realtime_device_window` view does.
 */
export const realtimeTablesReader = (
  engine: QueryEngine,
  relations: RealtimeRelations,
  options: { lookbackHours: number; clock: () => Date },
): RealtimeDashboardReader => {
  const sinceDay = () => dayOf(options.clock().getTime() - options.lookbackHours * 3_600_000);
  const query = async (name: string, sql: string, parameters: (string | number)[]) =>
    (await engine.run({ name: `dashboard-${name}`, sql, parameters })).rows;
  const { realtimeWindows, realtimeParts, realtimeAlerts } = DASHBOARD_SOURCES;
  const configured = new Set<string>([
    realtimeWindows.relation,
    realtimeParts.relation,
    realtimeAlerts.relation,
  ]);
  return {
    // The Glue tables are analytics-sink's stack's resources, deployed before report-runner
    // (serverless-compose.yml): a table that cannot be read shows up as a panel problem.
    relations: async (names) => new Set(names.filter((name) => configured.has(name))),

    realtimeExtent: async () => {
      const [row] = await query(
        'realtime-extent',
        `SELECT MIN(window_start) AS first_window, MAX(window_start) AS last_window,
  MAX(window_end) AS last_window_end, MAX(last_event_time) AS newest_event
FROM ${relations.windowParts}
WHERE dt >= ?`,
        [sinceDay()],
      );
      return row?.last_window ? row : null;
    },

    eventsPerWindow: async (since, until, maxRows) =>
      (
        await query(
          'events-per-window',
          `SELECT window_start, MAX(window_end) AS window_end, SUM(event_count) AS events,
  ${HUB_SOURCES.map((source) => `SUM(${source}_count) AS ${source}`).join(', ')}
FROM ${relations.windowParts}
WHERE dt >= ? AND dt <= ? AND window_start >= CAST(? AS TIMESTAMP) AND window_start <= CAST(? AS TIMESTAMP)
GROUP BY window_start
ORDER BY window_start`,
          [since.slice(0, 10), until.slice(0, 10), since, until],
        )
      ).slice(0, maxRows),

    alerts: async (limit) => {
      const [count] = await query(
        'alert-count',
        `SELECT COUNT(*) AS alerts FROM ${relations.alerts} WHERE dt >= ?`,
        [sinceDay()],
      );
      const rows = await query(
        'alerts',
        `SELECT ${Object.keys(realtimeAlerts.columns).join(', ')} FROM ${relations.alerts}
WHERE dt >= ?
ORDER BY window_start DESC, device_id, rule_id
LIMIT ${limit}`,
        [sinceDay()],
      );
      return { total: typeof count?.alerts === 'number' ? count.alerts : 0, rows };
    },
  };
};
