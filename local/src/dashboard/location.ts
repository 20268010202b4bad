import path from 'node:path';
import { DASHBOARD_KEY } from '@pipeline/dashboard';

/** Where the dashboard is in the local reports bucket: the same key as in AWS. */
export const localDashboardFile = (reportsDir: string): string =>
  path.join(reportsDir, ...DASHBOARD_KEY.split('/'));

/** `npm run dashboard` listens here unless told otherwise (`--port`, `DASHBOARD_PORT`). */
export const DEFAULT_DASHBOARD_PORT = 8765;
