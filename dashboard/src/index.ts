// The self-contained HTML dashboard (`@pipeline/dashboard`), a workspace of its own: an application
// that reads the warehouse through its port, not a contract the services share. It carries uPlot
// (about 50 KB) as a string and no AWS SDK: report-runner bundles it for Lambda and the local cloud
// imports it as is.
import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { collectDashboard, type CollectOptions } from './collect';
import type { DashboardModel } from './model';
import { renderDashboardHtml } from './render';

export * from './model';
export { collectDashboard, DASHBOARD_DEFAULTS, type CollectOptions } from './collect';
export { DATA_ELEMENT_ID, escapeHtml, renderDashboardHtml, scriptJson } from './render';
export { DASHBOARD_SOURCES, HUB_SOURCES, sourceColumns, type DashboardRelation } from './sources';
export {
  reportRowsDashboardSource,
  warehouseDashboardSource,
  type DashboardSource,
  type HourWindow,
  type RealtimeDashboardReader,
  type ReportRowsReader,
} from './source';

/** Where the dashboard lives in the reports bucket (and in the local reports folder). */
export const DASHBOARD_KEY = 'dashboard/index.html';
export const DASHBOARD_CONTENT_TYPE = 'text/html; charset=utf-8';

/** {@link CollectOptions} with `now` optional (default: the current time). */
export type DashboardOptions = CollectOptions extends infer Options
  ? Options extends CollectOptions
    ? Omit<Options, 'now'> & { now?: Date }
    : never
  : never;

export interface Dashboard {
  html: string;
  model: DashboardModel;
}

/**
 * Reads the warehouse and renders the page. Read-only: it only runs `select`s (see
 * `ReadableWarehouse`). Panels whose table is missing show an empty state; panels whose query
 * failed are listed in `model.problems` and the page is still produced.
 */
export const buildDashboard = async (options: DashboardOptions): Promise<Dashboard> => {
  const model = await collectDashboard({ ...options, now: options.now ?? new Date() } as CollectOptions);
  return { html: renderDashboardHtml(model), model };
};

/**
 * {@link buildDashboard}, written to `outFile` (folders created; written to a temporary file then
 * renamed, so a reader never sees half a page). Returns the absolute path and size.
 */
export const generateDashboard = async (
  options: DashboardOptions & { outFile: string },
): Promise<{ outFile: string; bytes: number; model: DashboardModel }> => {
  const { outFile, ...rest } = options;
  const { html, model } = await buildDashboard(rest);
  const target = path.resolve(outFile);
  await mkdir(path.dirname(target), { recursive: true });
  const temporary = `${target}.${randomUUID()}.tmp`;
  await writeFile(temporary, html);
  await rename(temporary, target);
  return { outFile: target, bytes: Buffer.byteLength(html), model };
};
