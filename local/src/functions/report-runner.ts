import path from 'node:path';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createLogger } from '@pipeline/shared/runtime/lambda';
import type { PostgresWarehouse } from '@pipeline/shared/warehouse';
import {
  createRunnerLambda,
  LAKE_RELATION,
  loadReports,
  stageReports,
  runnerOptionsFromEnvironment,
  type RunnerHandlerDependencies,
} from '@pipeline/report-runner';
import type { Context } from 'aws-lambda';
import { localLayout, localRoot, LOCAL_RESOURCES } from '../cloud/layout';
import { DuckDbQueryEngine } from '../engines/duckdb-query-engine';
import { FolderObjectStore } from '../engines/folder-object-store';
import { createPgliteWarehouse } from '../engines/pglite-warehouse';

export interface LocalRunnerFolders {
  /** The ingest bucket folder: `<root>/<INGEST_BUCKET>/raw/dt=.../hour=.../...`. */
  lakeDir: string;
  /** The reports bucket folder. */
  reportsDir: string;
  /** msk-consumer's quarantine bucket folder (`errors/msk/...`), which the quarantine view reads. */
  kafkaQuarantineDir: string;
  /** PGlite's data directory. */
  warehouseDir: string;
}

/** Folder layout of the local cloud (see `localLayout`), one folder per bucket under the local root. */
export const localRunnerFolders = (env: NodeJS.ProcessEnv = process.env): LocalRunnerFolders => {
  const root = localRoot(env);
  const layout = localLayout(root);
  return {
    lakeDir: env.INGEST_BUCKET ? path.join(root, env.INGEST_BUCKET) : layout.lakeDir,
    reportsDir: path.join(root, env.LOCAL_REPORTS_BUCKET ?? LOCAL_RESOURCES.reportsBucket),
    kafkaQuarantineDir: layout.quarantineDir,
    warehouseDir: env.LOCAL_WAREHOUSE_DIR ?? layout.warehouseDir,
  };
};

/**
 * report-runner's dependencies in the local cloud: DuckDB over the lake folder instead of Athena,
 * a folder instead of the reports bucket, PGlite instead of Redshift. The settings are read from
 * the same environment variables as in AWS; `folders` defaults to the local cloud's layout. A
 * caller that already holds the warehouse (the local cloud shares one PGlite between functions)
 * passes it; `close` then leaves it open. The local cloud also passes which files the queries may
 * read (`DuckDbQueryEngineOptions.visible`).
 */
export const createLocalRunnerDependencies = async (
  env: NodeJS.ProcessEnv = process.env,
  folders: LocalRunnerFolders = localRunnerFolders(env),
  shared: { warehouse?: PostgresWarehouse; visible?: (file: string) => boolean } = {},
): Promise<Omit<RunnerHandlerDependencies, 'logger' | 'metrics'> & { close: () => Promise<void> }> => {
  const options = runnerOptionsFromEnvironment(env);
  const engine = await DuckDbQueryEngine.create({
    lakeDir: folders.lakeDir,
    kafkaQuarantineDir: folders.kafkaQuarantineDir,
    ...(shared.visible ? { visible: shared.visible } : {}),
  });
  const warehouse = shared.warehouse ?? (await createPgliteWarehouse(folders.warehouseDir)).warehouse;
  return {
    runner: {
      engine,
      store: new FolderObjectStore(folders.reportsDir),
      warehouse,
      reports: stageReports(loadReports(), options),
      settings: options.report,
      lakeRelation: LAKE_RELATION,
      reportConcurrency: options.reportConcurrency,
    },
    ingestBucket: options.ingestBucket,
    partitionConcurrency: options.partitionConcurrency,
    rerunDaysBack: options.rerunDaysBack,
    close: async () => {
      await engine.close();
      if (!shared.warehouse) await warehouse.close();
    },
  };
};

/**
 * The runner for `sls invoke local --stage local`: the same handler and middy chain as in AWS with
 * local adapters. Each invocation opens and closes the engines, so the PGlite folder is never left
 * locked.
 */
export const handler = async (event: unknown, context: Context): Promise<unknown> => {
  const deps = await createLocalRunnerDependencies();
  try {
    return await createRunnerLambda({ ...deps, logger: createLogger(), metrics: new Metrics() })(
      event,
      context,
    );
  } finally {
    await deps.close();
  }
};
