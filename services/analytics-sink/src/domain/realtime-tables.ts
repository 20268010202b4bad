import { METRIC_NAMES } from '@pipeline/shared';
import {
  validateTable,
  type WarehouseColumn,
  type WarehouseRow,
  type WarehouseTable,
} from '@pipeline/shared/warehouse';
import { SOURCES, type DeviceAggregate } from './device-aggregate';

/** Warehouse timestamps travel as UTC `YYYY-MM-DD HH:MM:SS.sss` (see `WarehouseValue`). */
export const warehouseTimestamp = (epochMs: number): string =>
  new Date(epochMs).toISOString().replace('T', ' ').slice(0, 23);

const column = (name: string, type: WarehouseColumn['type'], nullable = false): WarehouseColumn => ({
  name,
  type,
  nullable,
});

/**
 * What one segment of a window contributed for one device. A window normally has one segment
 * per shard; it has more when it was closed early (state budget or Lambda's early termination),
 * and a device has rows from two shards only around a reshard. Keyed by device, window start and
 * segment, so a replayed flush rewrites its own row and never adds to another.
 */
export const WINDOW_PART_TABLE: WarehouseTable = validateTable({
  name: 'realtime_device_window_part',
  columns: [
    column('device_id', 'string'),
    column('window_start', 'timestamp'),
    column('segment_id', 'string'),
    column('window_end', 'timestamp'),
    column('event_count', 'int'),
    column('duplicate_count', 'int'),
    column('unverified_count', 'int'),
    column('first_event_time', 'timestamp', true),
    column('last_event_time', 'timestamp', true),
    ...SOURCES.map((source) => column(`${source}_count`, 'int')),
    ...METRIC_NAMES.flatMap((metric) => [
      column(`${metric}_count`, 'int'),
      column(`${metric}_sum`, 'double', true),
      column(`${metric}_min`, 'double', true),
      column(`${metric}_max`, 'double', true),
    ]),
    column('written_at', 'timestamp'),
  ],
  keyColumns: ['device_id', 'window_start', 'segment_id'],
});

/** The real-time table readers use: one row per device and window, segments merged. */
export const WINDOW_VIEW_NAME = 'realtime_device_window';

const sumOfSources = SOURCES.map((source) => `CASE WHEN SUM(${source}_count) > 0 THEN 1 ELSE 0 END`).join(
  ' + ',
);

/**
 * The view over {@link WINDOW_PART_TABLE}. Counts add up, extremes take the min/max, averages are
 * sum over count; written in the SQL both Postgres and Redshift run.
 */
export const WINDOW_VIEW_SQL = [
  'SELECT device_id, window_start, MAX(window_end) AS window_end,',
  '  SUM(event_count) AS event_count, SUM(duplicate_count) AS duplicate_count,',
  '  SUM(unverified_count) AS unverified_count,',
  '  MIN(first_event_time) AS first_event_time, MAX(last_event_time) AS last_event_time,',
  `  ${sumOfSources} AS source_count,`,
  ...SOURCES.map((source) => `  SUM(${source}_count) AS ${source}_count,`),
  ...METRIC_NAMES.map(
    (metric) =>
      `  SUM(${metric}_count) AS ${metric}_count, MIN(${metric}_min) AS ${metric}_min, MAX(${metric}_max) AS ${metric}_max,` +
      ` SUM(${metric}_sum) / NULLIF(SUM(${metric}_count), 0) AS ${metric}_avg,`,
  ),
  '  COUNT(*) AS segment_count, MAX(written_at) AS written_at',
  `FROM ${WINDOW_PART_TABLE.name}`,
  'GROUP BY device_id, window_start',
].join('\n');

export interface WindowBounds {
  startMs: number;
  endMs: number;
}

/** The warehouse row of one device's aggregate in one segment (`written_at` is added when written). */
export const windowPartRow = (
  deviceId: string,
  aggregate: DeviceAggregate,
  window: WindowBounds,
  segmentId: string,
): WarehouseRow => {
  const row: Record<string, string | number | null> = {
    device_id: deviceId,
    window_start: warehouseTimestamp(window.startMs),
    segment_id: segmentId,
    window_end: warehouseTimestamp(window.endMs),
    event_count: aggregate.events,
    duplicate_count: aggregate.duplicates,
    unverified_count: aggregate.unverified,
    first_event_time: aggregate.firstEventMs === null ? null : warehouseTimestamp(aggregate.firstEventMs),
    last_event_time: aggregate.lastEventMs === null ? null : warehouseTimestamp(aggregate.lastEventMs),
  };
  for (const source of SOURCES) row[`${source}_count`] = aggregate.sources[source];
  for (const metric of METRIC_NAMES) {
    const stats = aggregate.metrics[metric];
    row[`${metric}_count`] = stats?.n ?? 0;
    row[`${metric}_sum`] = stats?.sum ?? null;
    row[`${metric}_min`] = stats?.min ?? null;
    row[`${metric}_max`] = stats?.max ?? null;
  }
  return row;
};

/**
 * The alerts sent, one row per alert id: the idempotency record that stops a replayed window
 * from alerting twice, and an audit trail next to the aggregates.
 */
export const ALERT_TABLE: WarehouseTable = validateTable({
  name: 'realtime_alert',
  columns: [
    column('alert_id', 'string'),
    column('device_id', 'string'),
    column('window_start', 'timestamp'),
    column('window_end', 'timestamp'),
    column('rule_id', 'string'),
    column('metric', 'string'),
    column('comparison', 'string'),
    column('threshold', 'double'),
    column('observed', 'double'),
    column('readings', 'int'),
    column('average', 'double'),
    column('first_event_time', 'timestamp', true),
    column('last_event_time', 'timestamp', true),
    column('segment_id', 'string'),
    column('published_at', 'timestamp'),
  ],
  keyColumns: ['alert_id'],
});
