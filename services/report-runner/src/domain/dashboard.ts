import type { ReadableWarehouse } from '@pipeline/shared';
import {
  buildDashboard,
  DASHBOARD_CONTENT_TYPE,
  DASHBOARD_KEY,
  type FreshnessStatus,
} from '@pipeline/shared/dashboard';
import type { ObjectStore } from './ports';

/** What the runner needs to publish the dashboard: the warehouse to read and the bucket to write. */
export interface DashboardDependencies {
  warehouse: ReadableWarehouse;
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
 * Regenerates the dashboard from the warehouse and overwrites `dashboard/index.html` in the reports
 * bucket. `Cache-Control: no-cache` makes browsers and CloudFront revalidate, so a reload shows the
 * newest page.
 */
export const publishDashboard = async (deps: DashboardDependencies): Promise<PublishedDashboard> => {
  const { html, model } = await buildDashboard({
    warehouse: deps.warehouse,
    now: (deps.clock ?? (() => new Date()))(),
    ...(deps.environment ? { environment: deps.environment } : {}),
  });
  await deps.store.put(DASHBOARD_KEY, html, DASHBOARD_CONTENT_TYPE, { cacheControl: 'no-cache' });
  return {
    key: DASHBOARD_KEY,
    bytes: Buffer.byteLength(html),
    freshness: model.freshness.status,
    problems: model.problems,
  };
};
