import type { WarehouseRow, WarehouseTable } from '@pipeline/shared/warehouse';
import { ALERT_TABLE, WINDOW_PART_TABLE } from './realtime-tables';

/**
 * The real-time tables as objects in S3 (`warehouse=none`): JSON Lines, gzip, one object per
 * segment (window rows) or per alert, under `realtime/<table>/dt=YYYY-MM-DD/hour=HH/`, the hour
 * of the window start. Glue tables with the warehouse tables' names and columns make them queryable
 * in Athena; the local cloud's DuckDB reads the same objects.
 */
export const REALTIME_PREFIX = 'realtime/';

/** The folder of one table: the Glue table's location. */
export const realtimeTablePrefix = (table: WarehouseTable): string => `${REALTIME_PREFIX}${table.name}/`;

/** `dt=YYYY-MM-DD/hour=HH/` of a warehouse timestamp (`YYYY-MM-DD HH:MM:SS.sss`, UTC). */
export const partitionOf = (timestamp: string): string => {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}):/.exec(timestamp);
  if (!match) throw new Error(`Not a warehouse timestamp: ${timestamp}`);
  return `dt=${match[1]}/hour=${match[2]}/`;
};

// Key characters stay within S3's "safe" set; segment ids are `<shardId>-<sequence number>`.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html
const safe = (text: string): string => text.replace(/[^A-Za-z0-9_.-]/g, '_');
const compactTime = (timestamp: string): string => timestamp.replace(/[-: .]/g, '');

/**
 * The object of one segment's window rows. It depends only on the window and the segment, so a
 * retried or replayed flush rewrites the same object, as the warehouse upserts by segment.
 */
export const windowPartKey = (windowStart: string, segmentId: string): string =>
  `${realtimeTablePrefix(WINDOW_PART_TABLE)}${partitionOf(windowStart)}${compactTime(windowStart)}-${safe(segmentId)}.json.gz`;

/** The object recording one sent alert; its existence is what "already sent" means. */
export const alertKey = (windowStart: string, alertId: string): string =>
  `${realtimeTablePrefix(ALERT_TABLE)}${partitionOf(windowStart)}${safe(alertId)}.json.gz`;

/** One JSON line per row, columns in table order (the Hive JSON SerDe matches by name). */
export const jsonLines = (table: WarehouseTable, rows: readonly WarehouseRow[]): string =>
  rows
    .map((row) =>
      JSON.stringify(Object.fromEntries(table.columns.map(({ name }) => [name, row[name] ?? null]))),
    )
    .join('\n') + '\n';

/** Glue `Columns` of a real-time table: the warehouse column types are Glue's type names. */
export const realtimeGlueColumns = (table: WarehouseTable): { Name: string; Type: string }[] =>
  table.columns.map(({ name, type }) => ({ Name: name, Type: type }));

export const REALTIME_TABLES = [WINDOW_PART_TABLE, ALERT_TABLE] as const;
