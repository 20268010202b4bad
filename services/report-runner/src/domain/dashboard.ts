import type { ReadableWarehouse } from '@pipeline/shared/warehouse';
import {
  buildDashboard,
  DASHBOARD_CONTENT_TYPE,
  DASHBOARD_KEY,
  type DashboardSource,
  type FreshnessStatus,
} from '@pipeline/dashboard';
import type { ObjectStore } from './ports';

/**
 * What the runner needs to publish the dashboard: what to read (the warehouse the reports are
 * loaded into or, on a stage without one, report outputs and real-time tables: see
 * dashboard-stores.ts) and the bucket to write.
 */
export type DashboardDependencies = DashboardSettings &
  ({ warehouse: ReadableWarehouse; source?: never } | { source: DashboardSource; warehouse?: never });

interface DashboardSettings {
  store: ObjectStore;
  /** Shown in the page's title (the deployment stage). */
  environment?: string;
  clock?: () => Date;
}

export interface PublishedDashboard {
  key: string;
  bytes: number;
  freshness: FreshnessStatus;
  /** Panels that could not be read; the page was published with the rest. */
  problems: string[];
}

/**
 * Regenerates the dashboard from its source and overwrites `dashboard/index.html` in the reports
 * bucket. `Cache-Control: no-cache` makes browsers and CloudFront revalidate, so a reload shows the
 * newest page.
 */
export const publishDashboard = async (deps: DashboardDependencies): Promise<PublishedDashboard> => {
  const settings = {
    now: (deps.clock ?? (() => new Date()))(),
    ...(deps.environment ? { environment: deps.environment } : {}),
  };
  const { html, model } = await buildDashboard(
    deps.source ? { source: deps.source, ...settings } : { warehouse: deps.warehouse, ...settings },
  );
  await deps.store.put(DASHBOARD_KEY, html, DASHBOARD_CONTENT_TYPE, { cacheControl: 'no-cache' });
  return {
    key: DASHBOARD_KEY,
    bytes: Buffer.byteLength(html),
    freshness: model.freshness.status,
    problems: model.problems,
  };
};
