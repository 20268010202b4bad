import { METRICS, METRIC_NAMES, type MetricName } from '@pipeline/shared';
import type { ReadableWarehouse, WarehouseRow, WarehouseValue } from '@pipeline/shared/warehouse';
import type { ChartModel, DashboardModel, FreshnessStatus, RejectionCount, TableModel } from './model';
import { number, warehouseDashboardSource, type DashboardSource, type HourWindow } from './source';
import { DASHBOARD_SOURCES, HUB_SOURCES } from './sources';

/** What to read and how much of it. */
export type CollectOptions = CollectSettings &
  (
    | { warehouse: ReadableWarehouse; source?: never }
    /** A stage without a warehouse: report outputs and real-time tables (see `DashboardSource`). */
    | { source: DashboardSource; warehouse?: never }
  );

interface CollectSettings {
  /** The time the dashboard is generated for: ages and freshness are measured from it. */
  now: Date;
  title?: string;
  environment?: string;
  /** Hours of hourly reports charted, ending at the newest reported hour. Default 72. */
  reportHours?: number;
  /** Minutes of real-time windows charted, ending at the newest window. Default 180. */
  realtimeMinutes?: number;
  /** A device is silent when it has no readings in this many newest reported hours. Default 2. */
  silentAfterHours?: number;
  /** Devices whose latest hourly battery minimum is below this are counted as low. Default 15. */
  lowBatteryPercent?: number;
  /**
   * Records dropped or failed before the lake, by reason, when the caller knows them (the local
   * cloud does, for its run); `scope` says what they cover (`the last local run`).
   */
  rejections?: { scope: string; counts: readonly RejectionCount[] };
}

/** How much the dashboard charts unless told otherwise (see {@link CollectSettings}). */
export const DASHBOARD_DEFAULTS = {
  reportHours: 72,
  realtimeMinutes: 180,
  silentAfterHours: 2,
  lowBatteryPercent: 15,
} as const;

const HOUR_MS = 3_600_000;
const SITES_CHARTED = 8;
const TABLE_ROWS = 15;
const FLEET_ROWS = 10;

/** Warehouse timestamp (`YYYY-MM-DD HH:MM:SS.sss`, UTC) of an epoch time. */
const warehouseTimestamp = (epochMs: number): string =>
  new Date(epochMs).toISOString().replace('T', ' ').slice(0, 23);
const parseTimestamp = (value: WarehouseValue): number => Date.parse(`${String(value).replace(' ', 'T')}Z`);
/** `YYYY-MM-DD HH` of an epoch time, and back. */
const hourKey = (epochMs: number): string => new Date(epochMs).toISOString().slice(0, 13).replace('T', ' ');
const hourStart = (key: string): number => Date.parse(`${key.replace(' ', 'T')}:00:00Z`);
const rowHour = (row: WarehouseRow): string => `${String(row.dt)} ${String(row.hour)}`;

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
/** The store the dashboard is read from, as the message of a missing relation names it. */
const storeName = (options: CollectOptions) => (options.warehouse ? 'this warehouse' : 'this stage');

/** A panel that could not be read: shown as such, collected in `problems`. */
class PanelError extends Error {}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Reads the warehouse, or another {@link DashboardSource}, into a {@link DashboardModel}. Every read
 * is bounded; a table that does not exist yet gives an empty panel that says so, and a panel whose
 * query fails is reported in `problems` while the others are still shown.
 */
export const collectDashboard = async (options: CollectOptions): Promise<DashboardModel> => {
  const { now } = options;
  const source = options.source ?? warehouseDashboardSource(options.warehouse);
  const settings = {
    reportHours: options.reportHours ?? DASHBOARD_DEFAULTS.reportHours,
    realtimeMinutes: options.realtimeMinutes ?? DASHBOARD_DEFAULTS.realtimeMinutes,
    silentAfterHours: options.silentAfterHours ?? DASHBOARD_DEFAULTS.silentAfterHours,
    lowBatteryPercent: options.lowBatteryPercent ?? DASHBOARD_DEFAULTS.lowBatteryPercent,
  };
  const problems: string[] = [];
  const nowMs = now.getTime();

  /** Runs a panel's reads; a failure becomes an empty-state message and a problem. */
  const attempt = async <T>(panel: string, read: () => Promise<T>): Promise<T | PanelError> => {
    try {
      return await read();
    } catch (error) {
      problems.push(`${panel}: ${describe(error)}`);
      return new PanelError(`Could not be read: ${describe(error)}`);
    }
  };

  const names = Object.values(DASHBOARD_SOURCES).map(({ relation }) => relation);
  const found = await source.relations(names);
  const relations = Object.fromEntries(names.map((name) => [name, found.has(name)]));
  const missing = (...relationNames: string[]): string | undefined => {
    const absent = relationNames.filter((name) => !found.has(name));
    return absent.length > 0
      ? `No data yet: ${absent.join(' and ')} not found in ${storeName(options)} (not created yet, or not readable).`
      : undefined;
  };

  // --- Extents: the newest real-time window and the reported hours. -------------------------------
  const realtimeMissing = missing(realtimeWindows.relation, realtimeParts.relation);
  const realtimeExtent = realtimeMissing
    ? undefined
    : await attempt('real-time extent', () => source.realtimeExtent());

  const hourSource = [dataQuality, siteHourly, deviceHourly].find(({ relation }) => found.has(relation));
  const reportExtent = !hourSource
    ? undefined
    : await attempt('reported hours', () => source.reportExtent(hourSource.relation));

  // --- Real-time: events per minute over the newest windows. --------------------------------------
  const realtimeEmpty = realtimeMissing
    ? realtimeMissing
    : realtimeExtent instanceof PanelError
      ? realtimeExtent.message
      : realtimeExtent === null || realtimeExtent === undefined
        ? 'No real-time windows yet: analytics-sink writes one row per device and window.'
        : undefined;
  let realtimeChartRange: { from: string; to: string } | null = null;
  const eventsChart: ChartModel = {
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
  if (realtimeEmpty) eventsChart.empty = realtimeEmpty;
  else if (realtimeExtent && !(realtimeExtent instanceof PanelError)) {
    const lastMs = parseTimestamp(realtimeExtent.last_window!);
    const sinceMs = Math.max(
      parseTimestamp(realtimeExtent.first_window!),
      lastMs - settings.realtimeMinutes * 60_000 + 1,
    );
    const rows = await attempt('events per minute', () =>
      source.eventsPerWindow(
        warehouseTimestamp(sinceMs),
        warehouseTimestamp(lastMs),
        settings.realtimeMinutes * 60 + 1,
      ),
    );
    if (rows instanceof PanelError) eventsChart.empty = rows.message;
    else {
      const newest = rows[rows.length - 1]!;
      const windowMs = Math.max(
        1000,
        parseTimestamp(newest.window_end!) - parseTimestamp(newest.window_start!),
      );
      const perMinute = 60_000 / windowMs;
      const byStart = new Map(rows.map((row) => [parseTimestamp(row.window_start!), row]));
      // Windows are aligned to the clock; a window without a row had no readings.
      const starts = new Set<number>(byStart.keys());
      for (let start = lastMs; start >= sinceMs; start -= windowMs) starts.add(start);
      const x = [...starts].sort((a, b) => a - b);
      const value = (row: WarehouseRow | undefined, column: string) =>
        row ? (number(row[column]) ?? 0) * perMinute : 0;
      eventsChart.step = windowMs / 1000;
      eventsChart.x = x.map((ms) => ms / 1000);
      eventsChart.series = [
        { label: 'All paths', values: x.map((ms) => value(byStart.get(ms), 'events')) },
        ...HUB_SOURCES.map((source) => ({
          label: source === 'msk' ? 'MSK (Kafka)' : 'Kinesis (IoT/SDK)',
          values: x.map((ms) => value(byStart.get(ms), source)),
        })),
      ];
      if (windowMs !== 60_000)
        eventsChart.note = `Windows are ${windowMs / 1000} s long: counts are scaled to one minute.`;
      realtimeChartRange = {
        from: warehouseTimestamp(x[0]!),
        to: warehouseTimestamp(x[x.length - 1]! + windowMs),
      };
    }
  }

  // --- Hourly reports: the hours charted. ---------------------------------------------------------
  const reportsEmpty = !hourSource
    ? missing(dataQuality.relation)!
    : reportExtent instanceof PanelError
      ? reportExtent.message
      : !reportExtent
        ? 'No reported hours yet: report-runner loads one slice per hour of the lake.'
        : undefined;
  const hours: string[] = [];
  if (reportExtent && !(reportExtent instanceof PanelError)) {
    const lastMs = hourStart(String(reportExtent.last_hour));
    const firstMs = Math.max(
      hourStart(String(reportExtent.first_hour)),
      lastMs - (settings.reportHours - 1) * HOUR_MS,
    );
    for (let ms = firstMs; ms <= lastMs; ms += HOUR_MS) hours.push(hourKey(ms));
  }
  const firstHour = hours[0];
  const hourRange = (): HourWindow => ({ since: firstHour!, hours: settings.reportHours });
  const hourX = hours.map((key) => hourStart(key) / 1000);
  const hourlyChart = (
    chart: Omit<ChartModel, 'x' | 'series' | 'xLabel' | 'step' | 'kind'> & { kind?: ChartModel['kind'] },
  ): ChartModel => ({
    kind: 'line',
    ...chart,
    xLabel: 'Hour (UTC)',
    step: 3600,
    x: [],
    series: [],
  });
  /** Fills a chart from rows keyed by hour; `empty` when the panel could not be read. */
  const fillHourly = (chart: ChartModel, relation: string, result: unknown, fill: () => void): void => {
    const absent = missing(relation) ?? reportsEmpty;
    if (absent) chart.empty = absent;
    else if (result instanceof PanelError) chart.empty = result.message;
    else fill();
  };

  // --- Sites: hourly averages of each metric. -----------------------------------------------------
  const siteRows =
    hours.length > 0 && found.has(siteHourly.relation)
      ? await attempt('site hourly summary', () => source.siteSummary(hourRange(), SITES_CHARTED))
      : undefined;
  const siteCharts = METRIC_NAMES.map((metric) => {
    const { unit } = METRICS[metric];
    const chart = hourlyChart({
      id: `site-${metric}`,
      title: metric === 'battery' ? 'Lowest battery per site' : `Average ${metric} per site`,
      description:
        metric === 'battery'
          ? `Lowest battery level reported in each site per hour (${siteHourly.relation}.battery_min).`
          : `Mean ${metric} of the readings of each site per hour (${siteHourly.relation}.${siteColumn(metric)}).`,
      unit,
      yLabel: `${capitalise(metric)} (${unit})`,
    });
    fillHourly(chart, siteHourly.relation, siteRows, () => {
      const { sites, total, rows } = siteRows as Exclude<typeof siteRows, PanelError | undefined>;
      if (sites.length === 0) {
        chart.empty = `No site summaries in the last ${settings.reportHours} hours reported.`;
        return;
      }
      const cell = new Map(
        rows.map((row) => [`${rowHour(row)}|${String(row.site)}`, number(row[siteColumn(metric)])]),
      );
      chart.x = hourX;
      chart.series = sites.map((site) => ({
        label: site,
        values: hours.map((hour) => cell.get(`${hour}|${site}`) ?? null),
      }));
      if (total > sites.length)
        chart.note = `The ${sites.length} sites with the most readings are shown; ${total - sites.length} more are not.`;
    });
    return chart;
  });

  // --- Data quality per hour. ---------------------------------------------------------------------
  const qualityRows =
    hours.length > 0 && found.has(dataQuality.relation)
      ? await attempt('data quality', () => source.dataQuality(hourRange()))
      : undefined;
  const qualityByHour = new Map(
    Array.isArray(qualityRows) ? qualityRows.map((row) => [rowHour(row), row] as const) : [],
  );
  const qualitySeries = (column: string) =>
    hours.map((hour) => number(qualityByHour.get(hour)?.[column]) ?? null);
  const throughputChart = hourlyChart({
    id: 'records-per-hour',
    title: 'Records stored per hour',
    description: `Records written to the lake and distinct readings among them (${dataQuality.relation}).`,
    unit: 'records',
    yLabel: 'Records per hour',
  });
  const qualityChart = hourlyChart({
    id: 'duplicates-late',
    title: 'Duplicates and late records per hour',
    description: `Extra copies of a reading (same event_id) and records stored long after their event time (${dataQuality.relation}).`,
    unit: 'records',
    yLabel: 'Records per hour',
  });
  for (const [chart, series] of [
    [
      throughputChart,
      [
        ['Records stored', 'records'],
        ['Distinct readings', 'readings'],
      ],
    ],
    [
      qualityChart,
      [
        ['Duplicate copies', 'duplicate_records'],
        ['Late records', 'late_records'],
      ],
    ],
  ] as const) {
    fillHourly(chart, dataQuality.relation, qualityRows, () => {
      chart.x = hourX;
      chart.series = series.map(([label, column]) => ({ label, values: qualitySeries(column) }));
    });
  }

  // --- Quarantine: what was rejected, per hour and reason. -----------------------------------------
  const quarantineRows =
    hours.length > 0 && found.has(quarantineByReason.relation)
      ? await attempt('quarantine by reason', () => source.quarantineByReason(hourRange()))
      : undefined;
  const quarantineChart = hourlyChart({
    id: 'quarantine-by-reason',
    kind: 'stacked-bars',
    title: 'Quarantine by reason',
    description: `Records rejected per hour received, by reason, every rejecting hop together (${quarantineByReason.relation}; the quarantine view holds each record).`,
    unit: 'records',
    yLabel: 'Rejected records',
  });
  fillHourly(quarantineChart, quarantineByReason.relation, quarantineRows, () => {
    const perHour = quarantineRows as Exclude<typeof quarantineRows, PanelError | undefined>;
    const counts = new Map(
      perHour.map((row) => [`${rowHour(row)}|${String(row.reason)}`, number(row.rejected)]),
    );
    const reasons = [...new Set(perHour.map((row) => String(row.reason)))].sort();
    if (reasons.length === 0) {
      quarantineChart.empty = `Nothing rejected in the last ${hours.length} hours reported.`;
      return;
    }
    // An hour the data-quality report covers and without rejections has 0; one it does not cover, no value.
    const reported = (hour: string) => qualityRows === undefined || qualityByHour.has(hour);
    quarantineChart.x = hourX;
    quarantineChart.series = reasons.map((reason) => ({
      label: reason,
      values: hours.map((hour) => counts.get(`${hour}|${reason}`) ?? (reported(hour) ? 0 : null)),
    }));
  });

  // --- Anomalies. ---------------------------------------------------------------------------------
  const anomalyReads =
    hours.length > 0 && found.has(anomalies.relation)
      ? await attempt('anomalies', () => source.anomalies(hourRange(), TABLE_ROWS))
      : undefined;
  const anomalyChart = hourlyChart({
    id: 'anomalies-per-hour',
    kind: 'stacked-bars',
    title: 'Anomalies per hour',
    description: `Readings outside the configured thresholds, by metric (${anomalies.relation}).`,
    unit: 'readings',
    yLabel: 'Anomalous readings',
  });
  const anomalyTable: TableModel = { rows: [], total: 0 };
  fillHourly(anomalyChart, anomalies.relation, anomalyReads, () => {
    const { perHour, latest } = anomalyReads as Exclude<typeof anomalyReads, PanelError | undefined>;
    const counts = new Map(
      perHour.map((row) => [`${rowHour(row)}|${String(row.metric)}`, number(row.anomalies)]),
    );
    // An hour the data-quality report covers and without anomalies has 0; one it does not cover, no value.
    const reported = (hour: string) => qualityRows === undefined || qualityByHour.has(hour);
    anomalyChart.x = hourX;
    anomalyChart.series = METRIC_NAMES.map((metric) => ({
      label: capitalise(metric),
      values: hours.map((hour) => counts.get(`${hour}|${metric}`) ?? (reported(hour) ? 0 : null)),
    }));
    anomalyTable.rows = latest;
    anomalyTable.total = perHour.reduce((sum, row) => sum + (number(row.anomalies) ?? 0), 0);
    if (anomalyTable.total === 0)
      anomalyTable.empty = `No anomalies in the last ${hours.length} hours reported.`;
  });
  if (anomalyChart.empty) anomalyTable.empty = anomalyChart.empty;

  // --- Fleet health: each device's latest reported hour. ------------------------------------------
  const lowestBattery: TableModel = { rows: [], total: 0 };
  const silentDevices: TableModel = { rows: [], total: 0 };
  let devices: number | null = null;
  const fleetEmpty = missing(deviceHourly.relation) ?? reportsEmpty;
  if (fleetEmpty) {
    lowestBattery.empty = fleetEmpty;
    silentDevices.empty = fleetEmpty;
  } else {
    const cutoff = hourKey(hourStart(hours[hours.length - 1]!) - (settings.silentAfterHours - 1) * HOUR_MS);
    const fleet = await attempt('fleet health', () =>
      source.fleet(hourRange(), cutoff, settings.lowBatteryPercent, FLEET_ROWS),
    );
    if (fleet instanceof PanelError) {
      lowestBattery.empty = fleet.message;
      silentDevices.empty = fleet.message;
    } else {
      devices = number(fleet.counts?.devices) ?? 0;
      lowestBattery.rows = fleet.lowest;
      lowestBattery.total = number(fleet.counts?.low_battery) ?? 0;
      silentDevices.rows = fleet.silent;
      silentDevices.total = number(fleet.counts?.silent) ?? 0;
      if (fleet.lowest.length === 0) lowestBattery.empty = 'No battery readings in the hours reported.';
      if (fleet.silent.length === 0)
        silentDevices.empty = `Every device reported in the newest ${settings.silentAfterHours} hours.`;
    }
  }

  // --- Real-time alerts. --------------------------------------------------------------------------
  const alerts: TableModel = { rows: [], total: 0 };
  const alertsMissing = missing(realtimeAlerts.relation);
  if (alertsMissing) alerts.empty = alertsMissing;
  else {
    const read = await attempt('real-time alerts', () => source.alerts(TABLE_ROWS));
    if (read instanceof PanelError) alerts.empty = read.message;
    else {
      alerts.rows = read.rows;
      alerts.total = read.total;
      if (read.total === 0) alerts.empty = 'No threshold alert has been sent.';
    }
  }

  // --- Rejections: only the caller knows them. ----------------------------------------------------
  const rejectionRows = [...(options.rejections?.counts ?? [])]
    .filter(({ count }) => count > 0)
    .sort((a, b) => b.count - a.count || a.stage.localeCompare(b.stage) || a.reason.localeCompare(b.reason));
  const rejections = {
    provided: options.rejections !== undefined,
    ...(options.rejections ? { scope: options.rejections.scope } : {}),
    rows: rejectionRows,
    total: rejectionRows.length,
    records: rejectionRows.reduce((sum, { count }) => sum + count, 0),
    ...(options.rejections === undefined
      ? {
          empty: `Not in ${source.readFrom ?? 'the warehouse'}: records dropped or failed before the lake are counted in CloudWatch (RecordsRejected and RecordsDropped, by reason) and kept under errors/ in the ingest bucket.`,
        }
      : rejectionRows.length === 0
        ? { empty: 'No record was dropped or failed.' }
        : {}),
  };

  // --- Freshness, coverage and headline numbers. --------------------------------------------------
  const realtime = realtimeExtent && !(realtimeExtent instanceof PanelError) ? realtimeExtent : null;
  const reports = reportExtent && !(reportExtent instanceof PanelError) ? reportExtent : null;
  const newestEventMs = realtime?.newest_event ? parseTimestamp(realtime.newest_event) : null;
  const newestReportEndMs = reports ? hourStart(String(reports.last_hour)) + HOUR_MS : null;
  const age = (ms: number | null) => (ms === null ? null : Math.round((nowMs - ms) / 1000));
  const status = ((): FreshnessStatus => {
    // Real-time windows close every minute or so; reports cover whole hours.
    if (newestEventMs !== null) return grade(nowMs - newestEventMs, 5 * 60_000, 30 * 60_000);
    if (newestReportEndMs !== null) return grade(nowMs - newestReportEndMs, HOUR_MS, 6 * HOUR_MS);
    return 'no-data';
  })();
  const sum = (column: string) =>
    Array.isArray(qualityRows)
      ? qualityRows.reduce((total, row) => total + (number(row[column]) ?? 0), 0)
      : null;
  const maxLateness = Array.isArray(qualityRows)
    ? qualityRows.reduce<number | null>((max, row) => {
        const value = number(row.max_lateness_seconds);
        return value === null ? max : Math.max(max ?? value, value);
      }, null)
    : null;

  return {
    version: 1,
    title: options.title ?? 'Ingestion pipeline',
    ...(options.environment ? { environment: options.environment } : {}),
    generatedAt: now.toISOString(),
    ...(source.readFrom ? { readFrom: source.readFrom } : {}),
    relations,
    freshness: {
      status,
      newestEventTime: realtime?.newest_event ? String(realtime.newest_event) : null,
      newestEventAgeSeconds: age(newestEventMs),
      newestReportHour: reports ? `${String(reports.last_hour)}:00` : null,
      newestReportAgeSeconds: age(newestReportEndMs),
    },
    coverage: {
      realtime: realtime
        ? { from: String(realtime.first_window), to: String(realtime.last_window_end) }
        : null,
      reports: reports
        ? {
            from: `${String(reports.first_hour)}:00`,
            to: `${String(reports.last_hour)}:00`,
            hours: number(reports.hours) ?? 0,
          }
        : null,
      realtimeChart: realtimeChartRange,
      reportCharts:
        hours.length > 0
          ? { from: `${hours[0]}:00`, to: `${hours[hours.length - 1]}:00`, hours: hours.length }
          : null,
    },
    kpis: {
      devices,
      silentDevices: devices === null ? null : silentDevices.total,
      lowBatteryDevices: devices === null ? null : lowestBattery.total,
      records: sum('records'),
      readings: sum('readings'),
      duplicateRecords: sum('duplicate_records'),
      lateRecords: sum('late_records'),
      maxLatenessSeconds: maxLateness,
      anomalies: anomalyReads && !(anomalyReads instanceof PanelError) ? anomalyTable.total : null,
      alerts: alertsMissing || alerts.empty?.startsWith('Could not') ? null : alerts.total,
    },
    settings,
    charts: [eventsChart, ...siteCharts, throughputChart, qualityChart, quarantineChart, anomalyChart],
    tables: { lowestBattery, silentDevices, anomalies: anomalyTable, alerts, rejections },
    problems,
  };
};

const grade = (ageMs: number, fresh: number, delayed: number): FreshnessStatus =>
  ageMs <= fresh ? 'fresh' : ageMs <= delayed ? 'delayed' : 'stale';

const capitalise = (text: string): string => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;

/** The site summary column charted for a metric: the hourly mean, or for battery the minimum. */
const siteColumn = (metric: MetricName): string => (metric === 'battery' ? 'battery_min' : `${metric}_avg`);
