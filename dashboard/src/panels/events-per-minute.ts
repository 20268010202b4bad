import type { WarehouseRow } from '@pipeline/shared/warehouse';
import type { ChartModel } from '../model';
import { number, type RealtimeExtent } from '../source';
import { DASHBOARD_SOURCES, HUB_SOURCES } from '../sources';
import { parseTimestamp, PanelError, warehouseTimestamp, type PanelContext } from './context';

const { realtimeWindows, realtimeParts } = DASHBOARD_SOURCES;

/** The real-time windows held, or why they could not be read (undefined: their tables are missing). */
export interface RealtimeWindows {
  extent: RealtimeExtent | PanelError | null | undefined;
  missing: string | undefined;
}

/** Reads the newest real-time window held (the events chart and freshness measure from it). */
export const readRealtimeWindows = async (context: PanelContext): Promise<RealtimeWindows> => {
  const missing = context.missing(realtimeWindows.relation, realtimeParts.relation);
  const extent = missing
    ? undefined
    : await context.attempt('real-time extent', () => context.source.realtimeExtent());
  return { extent, missing };
};

/**
 * Events per minute over the newest `realtimeMinutes` of real-time windows: in total and by path
 * into the hub. Returns the chart and the time range it shows (null when it shows none).
 */
export const eventsPerMinutePanel = async (
  context: PanelContext,
  { extent, missing }: RealtimeWindows,
): Promise<{ chart: ChartModel; range: { from: string; to: string } | null }> => {
  const { settings } = context;
  const chart: ChartModel = {
    id: 'events-per-minute',
    kind: 'line',
    title: 'Events per minute',
    description: `Distinct readings per minute in the real-time windows (${realtimeWindows.relation}), in total and by path into the hub.`,
    unit: 'events/min',
    yLabel: 'Events per minute',
    xLabel: 'Window start (UTC)',
    step: 60,
    x: [],
    series: [],
  };
  const empty = missing
    ? missing
    : extent instanceof PanelError
      ? extent.message
      : extent === null || extent === undefined
        ? 'No real-time windows yet: analytics-sink writes one row per device and window.'
        : undefined;
  if (empty) {
    chart.empty = empty;
    return { chart, range: null };
  }
  const held = extent as RealtimeExtent;
  const lastMs = parseTimestamp(held.last_window!);
  const sinceMs = Math.max(
    parseTimestamp(held.first_window!),
    lastMs - settings.realtimeMinutes * 60_000 + 1,
  );
  const rows = await context.attempt('events per minute', () =>
    context.source.eventsPerWindow(
      warehouseTimestamp(sinceMs),
      warehouseTimestamp(lastMs),
      settings.realtimeMinutes * 60 + 1,
    ),
  );
  if (rows instanceof PanelError) {
    chart.empty = rows.message;
    return { chart, range: null };
  }
  const newest = rows[rows.length - 1]!;
  const windowMs = Math.max(1000, parseTimestamp(newest.window_end!) - parseTimestamp(newest.window_start!));
  const perMinute = 60_000 / windowMs;
  const byStart = new Map(rows.map((row) => [parseTimestamp(row.window_start!), row]));
  // Windows are aligned to the clock; a window without a row had no readings.
  const starts = new Set<number>(byStart.keys());
  for (let start = lastMs; start >= sinceMs; start -= windowMs) starts.add(start);
  const x = [...starts].sort((a, b) => a - b);
  const value = (row: WarehouseRow | undefined, column: string) =>
    row ? (number(row[column]) ?? 0) * perMinute : 0;
  chart.step = windowMs / 1000;
  chart.x = x.map((ms) => ms / 1000);
  chart.series = [
    { label: 'All paths', values: x.map((ms) => value(byStart.get(ms), 'events')) },
    ...HUB_SOURCES.map((source) => ({
      label: source === 'msk' ? 'MSK (Kafka)' : 'Kinesis (IoT/SDK)',
      values: x.map((ms) => value(byStart.get(ms), source)),
    })),
  ];
  if (windowMs !== 60_000)
    chart.note = `Windows are ${windowMs / 1000} s long: counts are scaled to one minute.`;
  return {
    chart,
    range: { from: warehouseTimestamp(x[0]!), to: warehouseTimestamp(x[x.length - 1]! + windowMs) },
  };
};
