import type { TableModel } from '../model';
import { number } from '../source';
import { DASHBOARD_SOURCES } from '../sources';
import { HOUR_MS, hourKey, hourStart, PanelError, type PanelContext } from './context';
import type { ReportHours } from './report-hours';

const { deviceHourly } = DASHBOARD_SOURCES;
const FLEET_ROWS = 10;

/**
 * Fleet health from each device's latest reported hour: the lowest batteries, the silent devices
 * (nothing in the newest `silentAfterHours`), and how many devices there are (null when unread).
 */
export const fleetPanels = async (
  context: PanelContext,
  reportHours: ReportHours,
): Promise<{ lowestBattery: TableModel; silentDevices: TableModel; devices: number | null }> => {
  const { settings } = context;
  const lowestBattery: TableModel = { rows: [], total: 0 };
  const silentDevices: TableModel = { rows: [], total: 0 };
  const empty = reportHours.emptyFor(deviceHourly.relation);
  if (empty) {
    lowestBattery.empty = empty;
    silentDevices.empty = empty;
    return { lowestBattery, silentDevices, devices: null };
  }
  const { hours } = reportHours;
  const cutoff = hourKey(hourStart(hours[hours.length - 1]!) - (settings.silentAfterHours - 1) * HOUR_MS);
  const fleet = await context.attempt('fleet health', () =>
    context.source.fleet(reportHours.range(), cutoff, settings.lowBatteryPercent, FLEET_ROWS),
  );
  if (fleet instanceof PanelError) {
    lowestBattery.empty = fleet.message;
    silentDevices.empty = fleet.message;
    return { lowestBattery, silentDevices, devices: null };
  }
  lowestBattery.rows = fleet.lowest;
  lowestBattery.total = number(fleet.counts?.low_battery) ?? 0;
  silentDevices.rows = fleet.silent;
  silentDevices.total = number(fleet.counts?.silent) ?? 0;
  if (fleet.lowest.length === 0) lowestBattery.empty = 'No battery readings in the hours reported.';
  if (fleet.silent.length === 0)
    silentDevices.empty = `Every device reported in the newest ${settings.silentAfterHours} hours.`;
  return { lowestBattery, silentDevices, devices: number(fleet.counts?.devices) ?? 0 };
};
