import type { PartitionKeys } from '@pipeline/shared';
import type { Warehouse, WarehouseColumn, WarehouseRow, WarehouseValue } from '@pipeline/shared/warehouse';
import type { PartitionRun } from './batch-plan';
import { settleWithConcurrency } from './concurrency';
import { isTransient, ReportOutputError } from './errors';
import { reportOutputKeys } from './layout';
import { copyManifest, normaliseSources, serialiseManifest, type RunManifest } from './manifest';
import type { ObjectStore, QueryEngine, QueryRequest, QueryResult } from './ports';
import {
  ANOMALY_THRESHOLDS_RELATION,
  bindLakeRelation,
  bindRelation,
  queryColumns,
  REGISTRY_RELATION,
  type ReportDefinition,
} from './report-definition';
import { anomalyThresholdsRelation, parameterValues, type ReportSettings } from './report-parameters';
import { sha256, toNdjson } from './rows';

export interface ReportRunnerDependencies {
  engine: QueryEngine;
  store: ObjectStore;
  /** Absent when no warehouse is configured: outputs still land in the reports bucket. */
  warehouse?: Warehouse;
  reports: readonly ReportDefinition[];
  settings: ReportSettings;
  /** The lake as the engine names it: `"db"."table"` in Athena, `telemetry` in DuckDB. */
  lakeRelation: string;
  /**
   * The device registry table as the engine names it: `"db"."device_registry"` in Athena; left out
   * where the engine names it `device_registry` itself (the DuckDB engine's table).
   */
  registryRelation?: string;
  /** Reports of one partition that may query at the same time. */
  reportConcurrency: number;
  clock?: () => Date;
}

/** Some reports of a partition failed; `transient` when every failure is worth a retry. */
export class PartitionRunError extends Error {
  override name = 'PartitionRunError';
  readonly transient: boolean;

  constructor(
    readonly runId: string,
    readonly failures: { report: string; error: unknown }[],
  ) {
    super(
      `${runId}: ${failures
        .map(
          ({ report, error }) =>
            `${report} failed (${error instanceof Error ? `${error.name}: ${error.message}` : String(error)})`,
        )
        .join('; ')}`,
    );
    this.transient = failures.every(({ error }) => isTransient(error));
  }
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/;

const conforms = (value: WarehouseValue, { type }: WarehouseColumn): boolean => {
  if (value === null) return true;
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'date':
      return typeof value === 'string' && DATE.test(value);
    case 'timestamp':
      return typeof value === 'string' && TIMESTAMP.test(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'double':
      return typeof value === 'number' && Number.isFinite(value);
    case 'int':
    case 'bigint':
      return typeof value === 'number' && Number.isSafeInteger(value);
  }
};

/** The relations report SQL names, as one engine names them (see {@link reportQuery}). */
export type QueryContext = Pick<ReportRunnerDependencies, 'settings' | 'lakeRelation' | 'registryRelation'>;

/**
 * The query one report runs for one partition: its SQL with the lake, the device registry and
 * the configured anomaly bounds bound to the engine's relations, and the values of its `?`
 * parameters in order.
 */
export const reportQuery = (
  context: QueryContext,
  report: ReportDefinition,
  partition: PartitionKeys,
): QueryRequest => {
  const values = parameterValues(partition, context.settings);
  const lake = bindLakeRelation(report.sql, context.lakeRelation);
  const registry = bindRelation(lake, REGISTRY_RELATION, context.registryRelation ?? REGISTRY_RELATION);
  return {
    name: report.name,
    sql: bindRelation(
      registry,
      ANOMALY_THRESHOLDS_RELATION,
      anomalyThresholdsRelation(context.settings.thresholds),
    ),
    parameters: report.parameters.map((name) => values[name] as string | number),
  };
};

/**
 * Checks the result against the header (the columns but the scope, in order, with values of the
 * declared types) and adds the scope columns: the partition the report ran for.
 */
export const conformResult = (
  report: ReportDefinition,
  result: QueryResult,
  partition: PartitionKeys,
): WarehouseRow[] => {
  const columns = queryColumns(report);
  const declared = columns.map(({ name }) => name);
  const returned = result.columns.map(({ name }) => name);
  if (declared.join(',') !== returned.join(',')) {
    throw new ReportOutputError(
      `${report.name}: the query returns [${returned.join(', ')}], the header declares [${declared.join(', ')}] besides dt and hour`,
    );
  }
  for (const [index, row] of result.rows.entries()) {
    for (const column of columns) {
      const value = row[column.name] ?? null;
      if (!conforms(value, column)) {
        throw new ReportOutputError(
          `${report.name}: row ${index} has ${column.name}=${JSON.stringify(value)}, not a ${column.type}`,
        );
      }
    }
  }
  return result.rows.map((row) => ({ dt: partition.dt, hour: partition.hour, ...row }));
};

const since = (start: number) => Date.now() - start;

/**
 * Runs one report for one partition: query, write the output and its COPY manifest at their
 * deterministic keys, replace the partition's rows in the warehouse, then write the run manifest.
 * Every step overwrites or replaces, so running it twice leaves the same state as running it once.
 */
export const runReport = async (
  deps: ReportRunnerDependencies,
  report: ReportDefinition,
  run: PartitionRun,
): Promise<RunManifest> => {
  const clock = deps.clock ?? (() => new Date());
  const startedAt = clock();

  let mark = Date.now();
  const result = await deps.engine.run(reportQuery(deps, report, run.partition));
  const rows = conformResult(report, result, run.partition);
  const queryMillis = since(mark);

  mark = Date.now();
  const keys = reportOutputKeys(report.name, run.partition);
  const body = toNdjson(
    report.table.columns.map(({ name }) => name),
    rows,
  );
  const bytes = Buffer.byteLength(body);
  await deps.store.put(keys.data, body, 'application/x-ndjson');
  await deps.store.put(keys.copyManifest, copyManifest(deps.store.uri(keys.data), bytes), 'application/json');
  const writeMillis = since(mark);

  mark = Date.now();
  const warehouse = deps.warehouse
    ? await deps.warehouse.replaceRows({
        table: report.table,
        scope: { dt: run.partition.dt, hour: run.partition.hour },
        rows,
        staged: { manifestUrl: deps.store.uri(keys.copyManifest), format: 'ndjson' },
      })
    : null;
  const loadMillis = since(mark);

  const manifest: RunManifest = {
    version: 1,
    report: report.name,
    partition: run.partition,
    trigger: run.trigger,
    sources: normaliseSources(run.sources),
    query: {
      engine: result.engine,
      id: result.queryId,
      bytesScanned: result.bytesScanned,
      engineMillis: result.engineMillis,
    },
    output: { key: keys.data, rows: rows.length, bytes, sha256: sha256(body) },
    warehouse,
    timings: {
      startedAt: startedAt.toISOString(),
      finishedAt: clock().toISOString(),
      queryMillis,
      writeMillis,
      loadMillis,
    },
  };
  await deps.store.put(keys.runManifest, serialiseManifest(manifest), 'application/json');
  return manifest;
};

/** Runs every report for one partition; fails with {@link PartitionRunError} if any report failed. */
export const runPartition = async (
  deps: ReportRunnerDependencies,
  run: PartitionRun,
): Promise<RunManifest[]> => {
  const settled = await settleWithConcurrency(deps.reports, deps.reportConcurrency, (report) =>
    runReport(deps, report, run),
  );
  const failures = settled.flatMap((outcome, index) =>
    outcome.status === 'rejected'
      ? [{ report: deps.reports[index]?.name ?? '?', error: outcome.reason as unknown }]
      : [],
  );
  if (failures.length > 0) throw new PartitionRunError(run.id, failures);
  return settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
};
