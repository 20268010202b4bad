import { AthenaClient } from '@aws-sdk/client-athena';
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { S3Client } from '@aws-sdk/client-s3';
import type { ReadableWarehouse, Warehouse } from '@pipeline/shared';
import { createPgConnection, createPgWarehouse, RedshiftDataWarehouse } from '@pipeline/shared/warehouse';
import { AthenaQueryEngine } from './adapters/athena-query-engine';
import { S3ObjectStore } from './adapters/s3-object-store';
import type { RunnerHandlerDependencies } from './handlers/runner-handler';
import { loadReports } from './reports';
import { settingsFromEnvironment, type WarehouseSettings } from './settings';

const warehouseFor = (settings: WarehouseSettings): (Warehouse & ReadableWarehouse) | undefined => {
  switch (settings.kind) {
    case 'none':
      return undefined;
    case 'postgres':
      return createPgWarehouse(createPgConnection(settings));
    case 'redshift':
      return new RedshiftDataWarehouse({
        client: new RedshiftDataClient({}),
        target: settings.target,
        copyRoleArn: settings.copyRoleArn,
      });
  }
};

/**
 * The AWS wiring: SDK clients (created once per container) and adapters, from the environment.
 * The local cloud builds the same dependencies with DuckDB, a folder and PGlite instead.
 */
export const createRunnerDependencies = (
  env: NodeJS.ProcessEnv = process.env,
): Omit<RunnerHandlerDependencies, 'logger' | 'metrics'> => {
  const settings = settingsFromEnvironment(env);
  const engine = new AthenaQueryEngine({
    client: new AthenaClient({}),
    workGroup: settings.athena.workGroup,
    database: settings.athena.database,
    deadlineMs: settings.athena.deadlineMs,
  });
  const warehouse = warehouseFor(settings.warehouse);
  const store = new S3ObjectStore(new S3Client({}), settings.reportsBucket);
  return {
    runner: {
      engine,
      store,
      ...(warehouse ? { warehouse } : {}),
      reports: loadReports(),
      settings: settings.report,
      lakeRelation: `"${settings.athena.database}"."${settings.athena.table}"`,
      registryRelation: `"${settings.athena.database}"."${settings.athena.registryTable}"`,
      reportConcurrency: settings.reportConcurrency,
    },
    ingestBucket: settings.ingestBucket,
    partitionConcurrency: settings.partitionConcurrency,
    rerunDaysBack: settings.rerunDaysBack,
    // The dashboard reads the warehouse the reports are loaded into.
    ...(settings.dashboard && warehouse
      ? { dashboard: { warehouse, store, ...(settings.stage ? { environment: settings.stage } : {}) } }
      : {}),
  };
};
