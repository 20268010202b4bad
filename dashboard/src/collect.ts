import type { ReadableWarehouse } from '@pipeline/shared/warehouse';
import type { DashboardModel, RejectionCount } from './model';
import { alertsPanel } from './panels/alerts';
import { anomalyPanels } from './panels/anomalies';
import { createPanelContext, succeeded } from './panels/context';
import { dataQualityPanels } from './panels/data-quality';
import { eventsPerMinutePanel, readRealtimeWindows } from './panels/events-per-minute';
import { fleetPanels } from './panels/fleet';
import { quarantinePanel } from './panels/quarantine';
import { rejectionsPanel } from './panels/rejections';
import { readReportHours } from './panels/report-hours';
import { sitePanels } from './panels/sites';
import { coverageOf, freshnessOf, qualityKpis } from './panels/summary';
import { warehouseDashboardSource, type DashboardSource } from './source';
import { DASHBOARD_SOURCES } from './sources';

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

/**
 * Reads the warehouse, or another {@link DashboardSource}, into a {@link DashboardModel}: one panel
 * after the other (`panels/`), each from its own read to its part of the model. Every read is
 * bounded; a table that does not exist yet gives an empty panel that says so, and a panel whose
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
  const context = await createPanelContext(
    source,
    settings,
    options.warehouse ? 'this warehouse' : 'this stage',
  );

  // The extents first: the charts and freshness are measured from them.
  const realtimeWindows = await readRealtimeWindows(context);
  const reportHours = await readReportHours(context);
  const events = await eventsPerMinutePanel(context, realtimeWindows);
  const sites = await sitePanels(context, reportHours);
  const quality = await dataQualityPanels(context, reportHours);
  const quarantine = await quarantinePanel(context, reportHours, quality);
  const anomalies = await anomalyPanels(context, reportHours, quality);
  const fleet = await fleetPanels(context, reportHours);
  const alerts = await alertsPanel(context);

  const realtime = succeeded(realtimeWindows.extent) ?? undefined;
  const reports = succeeded(reportHours.extent) ?? undefined;
  return {
    version: 1,
    title: options.title ?? 'Ingestion pipeline',
    ...(options.environment ? { environment: options.environment } : {}),
    generatedAt: now.toISOString(),
    ...(source.readFrom ? { readFrom: source.readFrom } : {}),
    relations: Object.fromEntries(
      Object.values(DASHBOARD_SOURCES).map(({ relation }) => [relation, context.found.has(relation)]),
    ),
    freshness: freshnessOf(now.getTime(), realtime, reports),
    coverage: coverageOf(realtime, reports, events.range, reportHours.hours),
    kpis: {
      devices: fleet.devices,
      silentDevices: fleet.devices === null ? null : fleet.silentDevices.total,
      lowBatteryDevices: fleet.devices === null ? null : fleet.lowestBattery.total,
      ...qualityKpis(quality.rows),
      anomalies: anomalies.total,
      alerts: alerts.total,
    },
    settings,
    charts: [
      events.chart,
      ...sites,
      quality.throughput,
      quality.duplicatesAndLate,
      quarantine,
      anomalies.chart,
    ],
    tables: {
      lowestBattery: fleet.lowestBattery,
      silentDevices: fleet.silentDevices,
      anomalies: anomalies.table,
      alerts: alerts.table,
      rejections: rejectionsPanel(options.rejections, source.readFrom),
    },
    problems: context.problems,
  };
};
