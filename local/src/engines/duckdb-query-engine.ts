import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import {
  CANONICAL_COLUMNS,
  PARTITION_COLUMNS,
  type ColumnName,
  type GlueType,
  type WarehouseValue,
} from '@pipeline/shared';
import { QueryEngineError } from '@pipeline/report-runner/src/domain/errors';
import type { QueryEngine, QueryRequest, QueryResult } from '@pipeline/report-runner/src/domain/ports';
import { TRINO_COMPAT_MACROS } from './trino-compat';

/** DuckDB type of each Glue type of the lake. */
const DUCKDB_TYPES: Record<GlueType, string> = {
  string: 'VARCHAR',
  double: 'DOUBLE',
  int: 'INTEGER',
  bigint: 'BIGINT',
  timestamp: 'TIMESTAMP',
};

export interface DuckDbQueryEngineOptions {
  /** The local ingest bucket: a folder holding `raw/dt=YYYY-MM-DD/hour=HH/*.parquet`. */
  lakeDir: string;
  /** Name of the view over the lake that report SQL reads (`telemetry`). */
  viewName?: string;
  /** Files of the lake, relative to `lakeDir`: Parquet objects, with or without an extension. */
  lakeGlob?: string;
}

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

const readLake = (source: string) =>
  `read_parquet(${quote(source)}, hive_partitioning = true, hive_types_autocast = false, union_by_name = true)`;

/**
 * The view over the lake, its columns and types derived from `CANONICAL_COLUMNS` (like the Glue
 * table), with `dt` and `hour` from the hive-style path kept as strings, as Athena sees them.
 * Columns no file has yet read as NULL, as Athena reads columns missing from a Parquet file.
 */
export const lakeViewSql = (
  viewName: string,
  source: string | undefined,
  present: ReadonlySet<string> = new Set(),
): string => {
  const value = (name: string) => (source && present.has(name) ? `"${name}"` : 'NULL');
  const columns = (Object.keys(CANONICAL_COLUMNS) as ColumnName[]).map(
    (name) => `CAST(${value(name)} AS ${DUCKDB_TYPES[CANONICAL_COLUMNS[name].glueType]}) AS "${name}"`,
  );
  const partitions = PARTITION_COLUMNS.map(({ name }) => `CAST(${value(name)} AS VARCHAR) AS "${name}"`);
  const from = source ? readLake(source) : '(SELECT 1) AS empty WHERE false';
  return `CREATE OR REPLACE VIEW "${viewName}" AS SELECT ${[...columns, ...partitions].join(', ')} FROM ${from}`;
};

const pad = (value: number, width = 2) => String(value).padStart(width, '0');
const formatTimestamp = (date: Date) =>
  `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
  `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}.${pad(date.getUTCMilliseconds(), 3)}`;

/** DuckDB's JS values to the port's plain JSON values. */
const normalise = (value: unknown, type: string): WarehouseValue => {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') {
    const number = Number(value);
    if (!Number.isSafeInteger(number))
      throw new QueryEngineError(`integer ${value} does not fit a JSON number`, false);
    return number;
  }
  if (value instanceof Date)
    return type === 'DATE' ? value.toISOString().slice(0, 10) : formatTimestamp(value);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value, (_key, inner: unknown) => (typeof inner === 'bigint' ? Number(inner) : inner));
};

// Firehose names objects without an extension (`<stream>-1-<time>-<uuid>`), so every file of a
// partition folder is a lake file, except hidden and `_`-prefixed ones (as in Athena and Hive).
const LAKE_FILE = /^raw\/dt=[^/]+\/hour=[^/]+\/[^._/][^/]*$/;

const hasLakeFiles = async (lakeDir: string): Promise<boolean> => {
  try {
    const entries = await readdir(path.join(lakeDir, 'raw'), { recursive: true, withFileTypes: true });
    return entries.some(
      (entry) =>
        entry.isFile() &&
        LAKE_FILE.test(
          path.relative(lakeDir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'),
        ),
    );
  } catch {
    return false;
  }
};

/**
 * The report-runner's `QueryEngine` for the local cloud: DuckDB over the local lake folder with
 * hive partitioning, plus Trino-compatible macros. Same SQL, same `?` parameters (bound to a
 * prepared statement), same result shape as Athena. Only local folders: no httpfs, no `s3://`.
 */
export class DuckDbQueryEngine implements QueryEngine {
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly options: Required<DuckDbQueryEngineOptions>,
  ) {}

  static async create(options: DuckDbQueryEngineOptions): Promise<DuckDbQueryEngine> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    for (const macro of Object.values(TRINO_COMPAT_MACROS)) await connection.run(macro);
    return new DuckDbQueryEngine(instance, connection, {
      viewName: 'telemetry',
      lakeGlob: 'raw/dt=*/hour=*/*',
      ...options,
      lakeDir: path.resolve(options.lakeDir),
    });
  }

  /** Queries run one at a time: they share one connection and re-create the lake view. */
  run(request: QueryRequest): Promise<QueryResult> {
    const result = this.queue.then(() => this.runNow(request));
    this.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private async runNow({ sql, parameters }: QueryRequest): Promise<QueryResult> {
    const started = Date.now();
    try {
      // Re-created per query: files arrive all the time, and an empty lake needs the empty view.
      const source = (await hasLakeFiles(this.options.lakeDir))
        ? path.join(this.options.lakeDir, this.options.lakeGlob)
        : undefined;
      const present = source
        ? new Set(
            (await this.connection.runAndReadAll(`DESCRIBE SELECT * FROM ${readLake(source)}`))
              .getRowObjectsJS()
              .map((row) => String(row.column_name)),
          )
        : undefined;
      await this.connection.run(lakeViewSql(this.options.viewName, source, present));
      const statement = await this.connection.prepare(sql);
      statement.bind([...parameters]);
      const reader = await statement.runAndReadAll();
      const names = reader.columnNames();
      const types = reader.columnTypes().map(String);
      const rows = reader
        .getRowObjectsJS()
        .map((row) =>
          Object.fromEntries(names.map((name, index) => [name, normalise(row[name], types[index] ?? '')])),
        );
      return {
        engine: 'duckdb',
        queryId: `duckdb-${randomUUID()}`,
        columns: names.map((name, index) => ({ name, type: (types[index] ?? '').toLowerCase() })),
        rows,
        bytesScanned: 0,
        engineMillis: Date.now() - started,
      };
    } catch (error) {
      if (error instanceof QueryEngineError) throw error;
      throw new QueryEngineError(`DuckDB: ${error instanceof Error ? error.message : String(error)}`, false, {
        cause: error,
      });
    }
  }

  /** Runs raw SQL on the engine's connection (tests use it to build lakes). */
  get db(): DuckDBConnection {
    return this.connection;
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
