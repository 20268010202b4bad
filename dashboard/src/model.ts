import type { WarehouseRow } from '@pipeline/shared/warehouse';

/** One line of a chart: a value per x position, `null` where there is no data. */
export interface ChartSeries {
  label: string;
  values: (number | null)[];
}

/** A time-series chart, in the columnar shape uPlot draws (x in Unix seconds, UTC). */
export interface ChartModel {
  id: string;
  /** Lines, or bars stacked per x position (counts whose total matters). */
  kind: 'line' | 'stacked-bars';
  title: string;
  /** One sentence under the title: what is plotted, from which table. */
  description: string;
  /** Unit of the y values (`°C`, `events/min`, `records`). */
  unit: string;
  yLabel: string;
  xLabel: string;
  /** Seconds between consecutive x positions. */
  step: number;
  x: number[];
  series: ChartSeries[];
  /** Why the chart has no data (then `x` is empty and nothing is drawn). */
  empty?: string;
  /** A remark shown under the chart (e.g. series left out). */
  note?: string;
}

/** Rows of a table panel. `total` counts all matching rows, of which `rows` are the first. */
export interface TableModel<Row = WarehouseRow> {
  rows: Row[];
  total: number;
  empty?: string;
}

/** Records the pipeline dropped or failed before the lake, by reason (the warehouse has none). */
export interface RejectionCount {
  /** Where it happened: `ingest-transform`, `analytics-sink`, `msk-consumer`... */
  stage: string;
  /** `dropped`: discarded on purpose (heartbeats); `failed`: invalid, sent to an error prefix or DLQ. */
  outcome: 'dropped' | 'failed';
  reason: string;
  count: number;
}

export type FreshnessStatus = 'fresh' | 'delayed' | 'stale' | 'no-data';

/** Everything the dashboard shows, embedded in the page as JSON (`#dashboard-data`). */
export interface DashboardModel {
  version: 1;
  title: string;
  /** Deployment stage or `local`, shown in the header. */
  environment?: string;
  /** ISO-8601 UTC: the `now` the dashboard was generated for. */
  generatedAt: string;
  /**
   * What was read when it was not a warehouse (a stage without one: `the report outputs and the
   * real-time tables`); absent for a warehouse.
   */
  readFrom?: string;
  /** Tables and views read, and whether each exists in this warehouse (or on this stage). */
  relations: Record<string, boolean>;
  freshness: {
    status: FreshnessStatus;
    /** Newest event time in the real-time table (UTC warehouse timestamp), and its age. */
    newestEventTime: string | null;
    newestEventAgeSeconds: number | null;
    /** Newest reported hour (`YYYY-MM-DD HH:00`), and the age of its end. */
    newestReportHour: string | null;
    newestReportAgeSeconds: number | null;
  };
  coverage: {
    /** Real-time windows held: first window start, last window end. */
    realtime: { from: string; to: string } | null;
    /** Hours reported: first and last hour (`YYYY-MM-DD HH:00`) and how many. */
    reports: { from: string; to: string; hours: number } | null;
    /** What the charts show. */
    realtimeChart: { from: string; to: string } | null;
    reportCharts: { from: string; to: string; hours: number } | null;
  };
  kpis: {
    devices: number | null;
    silentDevices: number | null;
    lowBatteryDevices: number | null;
    records: number | null;
    readings: number | null;
    duplicateRecords: number | null;
    lateRecords: number | null;
    maxLatenessSeconds: number | null;
    anomalies: number | null;
    alerts: number | null;
  };
  settings: {
    reportHours: number;
    realtimeMinutes: number;
    silentAfterHours: number;
    lowBatteryPercent: number;
  };
  charts: ChartModel[];
  tables: {
    lowestBattery: TableModel;
    silentDevices: TableModel;
    anomalies: TableModel;
    alerts: TableModel;
    /** `provided`: whether the caller passed rejections, over `scope`; `records`: their sum. */
    rejections: TableModel<RejectionCount> & { provided: boolean; scope?: string; records: number };
  };
  /** Panels that could not be read (the page shows the rest). */
  problems: string[];
}
