import path from 'node:path';
import { REALTIME_LOOKBACK_HOURS } from '../../src/domain/dashboard-stores';
import { loadReports } from '../../src/reports';
import { REALTIME_TABLES, realtimeTablePrefix } from '../dashboard';
import { ATHENA_RESULTS_PREFIX, REPORTS_PREFIX } from '../storage';
import { quickSightResources } from './resources';

export { QUICKSIGHT_CONDITIONS } from './resources';

/** The opt-in QuickSight resources over this service's reports (sql/) and the real-time tables. */
export const quickSightStackResources = () =>
  quickSightResources({
    reports: loadReports(path.join(__dirname, '..', '..', 'sql')).map(({ table }) => ({
      relation: table.name,
      columns: table.columns,
    })),
    reportsPrefix: REPORTS_PREFIX,
    athenaResultsPrefix: ATHENA_RESULTS_PREFIX,
    realtimeTablePrefix,
    realtimeTables: REALTIME_TABLES,
    realtimeLookbackHours: REALTIME_LOOKBACK_HOURS,
  });
