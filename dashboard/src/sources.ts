import { CANONICAL_COLUMNS, METRIC_NAMES } from '@pipeline/shared';
import type { SelectColumn, WarehouseColumnType } from '@pipeline/shared/warehouse';

/** The paths into the hub (`kinesis`, `msk`): the real-time table has a `<source>_count` per path. */
export const HUB_SOURCES = CANONICAL_COLUMNS.source.schema.options;

const otherMetrics = METRIC_NAMES.filter((metric) => metric !== 'battery');

/**
 * The warehouse relations the dashboard reads, with the columns it uses and their types. They are
 * defined elsewhere (report-runner's `sql/*.sql` headers, analytics-sink's `realtime-tables.ts`),
 * which `shared` may not import; a test creates them from those definitions and checks every name
 * and type here against them.
 */
export const DASHBOARD_SOURCES = {
  realtimeWindows: {
    relation: 'realtime_device_window',
    columns: {
      device_id: 'string',
      window_start: 'timestamp',
      window_end: 'timestamp',
      event_count: 'bigint',
      ...Object.fromEntries(HUB_SOURCES.map((source) => [`${source}_count`, 'bigint'])),
    },
  },
  realtimeParts: {
    relation: 'realtime_device_window_part',
    columns: { window_start: 'timestamp', window_end: 'timestamp', last_event_time: 'timestamp' },
  },
  realtimeAlerts: {
    relation: 'realtime_alert',
    columns: {
      alert_id: 'string',
      device_id: 'string',
      window_start: 'timestamp',
      window_end: 'timestamp',
      rule_id: 'string',
      metric: 'string',
      comparison: 'string',
      threshold: 'double',
      observed: 'double',
      readings: 'int',
      average: 'double',
      published_at: 'timestamp',
    },
  },
  siteHourly: {
    relation: 'report_site_hourly_summary',
    columns: {
      dt: 'date',
      hour: 'string',
      site: 'string',
      readings: 'bigint',
      ...Object.fromEntries(otherMetrics.map((metric) => [`${metric}_avg`, 'double'])),
      battery_min: 'double',
    },
  },
  deviceHourly: {
    relation: 'report_device_hourly_stats',
    columns: {
      dt: 'date',
      hour: 'string',
      device_id: 'string',
      site: 'string',
      readings: 'bigint',
      battery_min: 'double',
    },
  },
  anomalies: {
    relation: 'report_anomalies',
    columns: {
      dt: 'date',
      hour: 'string',
      event_id: 'string',
      device_id: 'string',
      site: 'string',
      event_time: 'timestamp',
      metric: 'string',
      value: 'double',
      threshold_min: 'double',
      threshold_max: 'double',
    },
  },
  dataQuality: {
    relation: 'report_data_quality',
    columns: {
      dt: 'date',
      hour: 'string',
      records: 'bigint',
      readings: 'bigint',
      duplicate_records: 'bigint',
      late_records: 'bigint',
      max_lateness_seconds: 'double',
    },
  },
  quarantineByReason: {
    relation: 'report_quarantine_by_reason',
    columns: { dt: 'date', hour: 'string', source: 'string', reason: 'string', rejected: 'bigint' },
  },
} as const satisfies Record<string, { relation: string; columns: Record<string, WarehouseColumnType> }>;

export type DashboardRelation = keyof typeof DASHBOARD_SOURCES;

/** The columns of a source as a select reads them, in declaration order. */
export const sourceColumns = (source: DashboardRelation): SelectColumn[] =>
  Object.entries(DASHBOARD_SOURCES[source].columns).map(([name, type]) => ({
    name,
    type: type as WarehouseColumnType,
  }));
