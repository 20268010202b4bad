import { existsSync } from 'node:fs';
import path from 'node:path';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createLogger } from '@pipeline/shared';
import { LAKE_RELATION } from '@pipeline/report-runner/src/domain/report-definition';
import {
  createRunnerHandler,
  type RunnerHandlerDependencies,
} from '@pipeline/report-runner/src/handlers/runner-handler';
import { loadReports } from '@pipeline/report-runner/src/reports';
import { runnerOptionsFromEnvironment } from '@pipeline/report-runner/src/settings';
import { DuckDbQueryEngine } from '../engines/duckdb-query-engine';
import { FolderObjectStore } from '../engines/folder-object-store';
import { createPgliteWarehouse } from '../engines/pglite-warehouse';

/** Where the local cloud keeps its buckets: `LOCAL_ROOT`, else `.local/` at the repository root. */
export const localRoot = (env: NodeJS.ProcessEnv = process.env, from: string = process.cwd()): string => {
  if (env.LOCAL_ROOT) return path.resolve(env.LOCAL_ROOT);
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'serverless-compose.yml'))) return path.join(dir, '.local');
    if (path.dirname(dir) === dir)
      throw new Error('LOCAL_ROOT is not set and no repository root was found above the working directory');
  }
};

export interface LocalRunnerFolders {
  /** The ingest bucket folder: `<root>/<INGEST_BUCKET>/raw/dt=.../hour=.../*.parquet`. */
  lakeDir: string;
  /** The reports bucket folder. */
  reportsDir: string;
  /** PGlite's data directory. */
  warehouseDir: string;
}

/** Folder layout of the local cloud, one folder per bucket under the local root. */
export const localRunnerFolders = (env: NodeJS.ProcessEnv = process.env): LocalRunnerFolders => {
  const root = localRoot(env);
  const ingestBucket = env.INGEST_BUCKET ?? 'local-ingest';
  return {
    lakeDir: path.join(root, ingestBucket),
    reportsDir: path.join(root, env.LOCAL_REPORTS_BUCKET ?? 'local-reports'),
    warehouseDir: env.LOCAL_WAREHOUSE_DIR ?? path.join(root, 'warehouse'),
  };
};

/**
 * report-runner's dependencies in the local cloud: DuckDB over the lake folder instead of Athena,
 * a folder instead of the reports bucket, PGlite instead of Redshift. The settings are read from
 * the same environment variables as in AWS; `folders` defaults to the local cloud's layout.
 */
export const createLocalRunnerDependencies = async (
  env: NodeJS.ProcessEnv = process.env,
  folders: LocalRunnerFolders = localRunnerFolders(env),
): Promise<Omit<RunnerHandlerDependencies, 'logger' | 'metrics'> & { close: () => Promise<void> }> => {
  const options = runnerOptionsFromEnvironment(env);
  const engine = await DuckDbQueryEngine.create({ lakeDir: folders.lakeDir });
  const { warehouse } = await createPgliteWarehouse(folders.warehouseDir);
  return {
    runner: {
      engine,
      store: new FolderObjectStore(folders.reportsDir),
      warehouse,
      reports: loadReports(),
      settings: options.report,
      lakeRelation: LAKE_RELATION,
      reportConcurrency: options.reportConcurrency,
    },
    ingestBucket: options.ingestBucket,
    partitionConcurrency: options.partitionConcurrency,
    rerunDaysBack: options.rerunDaysBack,
    close: async () => {
      engine.close();
      await warehouse.close();
    },
  };
};

/**
 * The runner for `sls invoke local --stage local`: the same handler as in AWS with local adapters.
 * Each invocation opens and closes the engines, so the PGlite folder is never left locked.
 */
export const handler = async (event: unknown): Promise<unknown> => {
  const deps = await createLocalRunnerDependencies();
  const metrics = new Metrics();
  try {
    return await createRunnerHandler({ ...deps, logger: createLogger(), metrics })(event);
  } finally {
    metrics.publishStoredMetrics();
    await deps.close();
  }
};
