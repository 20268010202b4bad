import { AthenaClient } from '@aws-sdk/client-athena';
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { S3Client } from '@aws-sdk/client-s3';
import { type ReadableWarehouse, type Warehouse } from '@pipeline/shared/warehouse';
import {
  createPgConnection,
  createPgWarehouse,
  RedshiftDataWarehouse,
} from '@pipeline/shared/warehouse/adapters';
import { reportRowsDashboardSource } from '@pipeline/dashboard';
import { AthenaQueryEngine } from './adapters/athena-query-engine';
import { S3ObjectStore } from './adapters/s3-object-store';
import {
  REALTIME_LOOKBACK_HOURS,
  realtimeRelations,
  realtimeTablesReader,
  reportOutputsReader,
} from './domain/dashboard-stores';
import type { RunnerHandlerDependencies } from './handlers/runner-handler';
import { loadReports, stageReports } from './reports';
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
  const environment = settings.stage ? { environment: settings.stage } : {};
  // The dashboard reads the warehouse the reports are loaded into or, without one, the report
  // outputs in the reports bucket and analytics-sink's real-time tables through Athena.
  const dashboardSource = () =>
    warehouse
      ? { warehouse }
      : {
          source: reportRowsDashboardSource(
            realtimeTablesReader(engine, realtimeRelations(settings.realtimeDatabase!), {
              lookbackHours: REALTIME_LOOKBACK_HOURS,
              clock: () => new Date(),
            }),
            reportOutputsReader(store),
          ),
        };
  return {
    runner: {
      engine,
      store,
      ...(warehouse ? { warehouse } : {}),
      reports: stageReports(loadReports(), settings),
      settings: settings.report,
      lakeRelation: `"${settings.athena.database}"."${settings.athena.table}"`,
      registryRelation: `"${settings.athena.database}"."${settings.athena.registryTable}"`,
      reportConcurrency: settings.reportConcurrency,
    },
    ingestBucket: settings.ingestBucket,
    partitionConcurrency: settings.partitionConcurrency,
    rerunDaysBack: settings.rerunDaysBack,
    ...(settings.dashboard ? { dashboard: { ...dashboardSource(), store, ...environment } } : {}),
  };
};
