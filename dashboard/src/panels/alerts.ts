import type { TableModel } from '../model';
import { DASHBOARD_SOURCES } from '../sources';
import { PanelError, type PanelContext } from './context';

const { realtimeAlerts } = DASHBOARD_SOURCES;
const TABLE_ROWS = 15;

/** The newest threshold alerts sent, and how many there are (null when they were not read). */
export const alertsPanel = async (
  context: PanelContext,
): Promise<{ table: TableModel; total: number | null }> => {
  const table: TableModel = { rows: [], total: 0 };
  const missing = context.missing(realtimeAlerts.relation);
  if (missing) {
    table.empty = missing;
    return { table, total: null };
  }
  const read = await context.attempt('real-time alerts', () => context.source.alerts(TABLE_ROWS));
  if (read instanceof PanelError) {
    table.empty = read.message;
    return { table, total: null };
  }
  table.rows = read.rows;
  table.total = read.total;
  if (read.total === 0) table.empty = 'No threshold alert has been sent.';
  return { table, total: table.total };
};
