import { randomUUID } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { CANONICAL_COLUMNS, PARTITION_COLUMNS, type ColumnName, type GlueType } from '@pipeline/shared';
import { REGISTRY_COLUMN_NAMES, REGISTRY_COLUMNS, REGISTRY_PREFIX } from '@pipeline/shared/registry';
import type { WarehouseTable, WarehouseValue } from '@pipeline/shared/warehouse';
import { realtimeTablePrefix, ALERT_TABLE, WINDOW_PART_TABLE } from '@pipeline/analytics-sink';
import {
  QueryEngineError,
  inlineParameters,
  type QueryEngine,
  type QueryRequest,
  type QueryResult,
  misplacedParameters,
  misplacedParametersMessage,
} from '@pipeline/report-runner';
import { TRINO_COMPAT_MACROS } from './trino-compat';
import { quarantineSql } from './quarantine-tables';
import { DUCKDB_TYPES } from './duckdb-types';
import { ReusedDuckDb } from './reused-duckdb';

export interface DuckDbQueryEngineOptions {
  /** The local ingest bucket: a folder holding `raw/dt=YYYY-MM-DD/hour=HH/` objects (Parquet or JSON+GZIP). */
  lakeDir: string;
  /** Name of the view over the lake that report SQL reads (`telemetry`). */
  viewName?: string;
  /**
   * The folder of the device registry table, relative to `lakeDir` (the Glue table
   * `device_registry` is located at `s3://<ingest bucket>/reference/devices/`).
   */
  registryPrefix?: string;
  /** Name of the registry table report SQL joins (`device_registry`). */
  registryTableName?: string;
  /**
   * The real-time bucket's folder (analytics-sink without a warehouse): its tables
   * (`realtime/<table>/dt=/hour=/*.json.gz`) are relations of the same names, as the Glue tables
   * are in Athena. Without it, a query naming them fails as one naming a missing table does.
   */
  realtimeDir?: string;
  /**
   * msk-consumer's quarantine bucket folder: with it, the view `quarantine` (and its source tables,
   * `QUARANTINE_TABLES`) reads the Kafka records it refused as well as the lake's error prefixes.
   */
  kafkaQuarantineDir?: string;
  /**
   * The reports bucket's folder and the report tables over it, as the Glue tables of a stage with
   * QuickSight over Athena declare them (`reports/<report>/dt=/hour=/part-*.json`, newline-delimited
   * JSON, `dt`/`hour` from the folder names, `_` files skipped). Without it, a query naming them
   * fails as one naming a missing table does.
   */
  reports?: {
    dir: string;
    tables: readonly { name: string; folder: string; columns: readonly TableColumn[] }[];
  };
  /**
   * Receives DuckDB's profile of every query (the files it read): benchmarks use it to show
   * partition pruning. Profiling writes a JSON file per query, so it is off unless asked for.
   */
  onProfile?: (profile: QueryProfile) => void;
  /**
   * Which of the files in the folders a query may read; default all. The local cloud hides the
   * objects written after a report run started (`ObjectStore.snapshot`), since the simulation
   * goes on writing while the run's queries read.
   */
  visible?: (file: string) => boolean;
}

/** Which lake files one query read, from DuckDB's JSON profile. */
export interface QueryProfile {
  name: string;
  /** Lake files the scans opened, and how many the view listed (`Total Files Read`, `Scanning Files`). */
  filesRead: number;
  filesListed: number;
  /** The filters DuckDB applied to file paths (hive partitions) before opening files. */
  fileFilters: string[];
  latencyMs: number;
}

interface ProfileNode {
  operator_type?: string;
  extra_info?: Record<string, unknown>;
  children?: ProfileNode[];
}

const profileOf = (name: string, profile: ProfileNode & Record<string, unknown>): QueryProfile => {
  const scans: Record<string, unknown>[] = [];
  const walk = (node: ProfileNode) => {
    if (node.operator_type === 'TABLE_SCAN' && node.extra_info) scans.push(node.extra_info);
    for (const child of node.children ?? []) walk(child);
  };
  walk(profile);
  const listed = (info: Record<string, unknown>) =>
    Number(String(info['Scanning Files'] ?? '0/0').split('/')[1]);
  return {
    name,
    filesRead: scans.reduce((sum, info) => sum + Number(info['Total Files Read'] ?? 0), 0),
    filesListed: scans.reduce((sum, info) => sum + listed(info), 0),
    fileFilters: scans.map((info) => String(info['File Filters'] ?? '')).filter((filter) => filter !== ''),
    latencyMs: Number(profile.latency ?? 0) * 1000,
  };
};

const PROFILE_METRICS = JSON.stringify({ EXTRA_INFO: 'true', LATENCY: 'true' });

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** The lake's objects, by format: Firehose's Parquet objects have no extension, JSON+GZIP ones end in `.gz`. */
export interface LakeFiles {
  parquet: string[];
  json: string[];
}

const list = (files: readonly string[]) => `[${files.map(quote).join(', ')}]`;

const jsonColumns = () =>
  `{${[...(Object.keys(CANONICAL_COLUMNS) as ColumnName[])]
    .map((name) => `${quote(name)}: ${quote(DUCKDB_TYPES[CANONICAL_COLUMNS[name].glueType])}`)
    .join(', ')}}`;

/**
 * One relation over every lake object, whatever its format (a lake can switch formats over time).
 * `unionByName` reads Parquet files whose columns differ; it makes DuckDB open every file to bind
 * the query, so it is only asked for when the files' columns do differ.
 */
export const readLake = (
  files: LakeFiles,
  { unionByName = true }: { unionByName?: boolean } = {},
): string => {
  const parts: string[] = [];
  if (files.parquet.length > 0)
    parts.push(
      `SELECT * FROM read_parquet(${list(files.parquet)}, hive_partitioning = true, hive_types_autocast = false${unionByName ? ', union_by_name = true' : ''})`,
    );
  if (files.json.length > 0)
    parts.push(
      `SELECT * FROM read_json(${list(files.json)}, format = 'newline_delimited', columns = ${jsonColumns()}, hive_partitioning = true, hive_types_autocast = false)`,
    );
  return parts.length === 1 ? `(${parts[0]})` : `(${parts.join(' UNION ALL BY NAME ')})`;
};

/**
 * The view over the lake, its columns and types derived from `CANONICAL_COLUMNS` (like the Glue
 * table), with `dt` and `hour` from the hive-style path kept as strings, as Athena sees them.
 * Columns no file has yet read as NULL, as Athena reads columns missing from a Parquet file.
 */
export const lakeViewSql = (
  viewName: string,
  source: LakeFiles | undefined,
  present: ReadonlySet<string> = new Set(),
  read: { unionByName?: boolean } = {},
): string => {
  const value = (name: string) => (source && present.has(name) ? `"${name}"` : 'NULL');
  const columns = (Object.keys(CANONICAL_COLUMNS) as ColumnName[]).map(
    (name) => `CAST(${value(name)} AS ${DUCKDB_TYPES[CANONICAL_COLUMNS[name].glueType]}) AS "${name}"`,
  );
  const partitions = PARTITION_COLUMNS.map(({ name }) => `CAST(${value(name)} AS VARCHAR) AS "${name}"`);
  const from = source ? `${readLake(source, read)} AS lake` : '(SELECT 1) AS empty WHERE false';
  return `CREATE OR REPLACE VIEW "${viewName}" AS SELECT ${[...columns, ...partitions].join(', ')} FROM ${from}`;
};

/** The registry's columns as DuckDB types, from the same definition as the Glue table's. */
const registryColumnTypes = (): [string, string][] =>
  REGISTRY_COLUMN_NAMES.map((name) => [name, DUCKDB_TYPES[REGISTRY_COLUMNS[name].glueType]]);

/**
 * The device registry as Athena reads the Glue table `device_registry` (JSON SerDe over every
 * object of its folder): the JSON Lines files with explicit columns (fields a line lacks read as
 * NULL). No file yet is an empty table, not an error: a pipeline without a registry still runs its
 * reports. It is loaded into a table of the query's own instance before the report runs (it is
 * small, and re-read per query like the lake view), so a report's profile counts lake files only.
 */
export const registryTableSql = (tableName: string, files: readonly string[]): string => {
  const columns = registryColumnTypes();
  if (files.length === 0) {
    const nulls = columns.map(([name, type]) => `CAST(NULL AS ${type}) AS "${name}"`);
    return `CREATE OR REPLACE TEMP TABLE "${tableName}" AS SELECT ${nulls.join(', ')} WHERE false`;
  }
  const struct = `{${columns.map(([name, type]) => `${quote(name)}: ${quote(type)}`).join(', ')}}`;
  return (
    `CREATE OR REPLACE TEMP TABLE "${tableName}" AS SELECT ${columns.map(([name]) => `"${name}"`).join(', ')} ` +
    `FROM read_json(${list(files)}, format = 'newline_delimited', columns = ${struct})`
  );
};

/**
 * The registry table's objects: the files directly in its folder, except hidden and `_`-prefixed
 * ones (as Athena skips them). An absent folder is an empty table.
 */
export const listRegistryFiles = async (folder: string): Promise<string[]> => {
  try {
    const entries = await readdir(folder, { withFileTypes: true });
    return entries
      .filter((entry) => entry.isFile() && !/^[._]/.test(entry.name))
      .map((entry) => path.join(folder, entry.name))
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
};

const REALTIME_TABLES = [WINDOW_PART_TABLE, ALERT_TABLE] as const;

/**
 * A real-time table as Athena reads its Glue table: the JSON SerDe over gzip JSON Lines with the
 * table's columns, and `dt`, `hour` (strings) from the folder names. No object yet is an empty
 * table, not an error.
 */
export const realtimeTableSql = (
  table: { name: string; columns: readonly TableColumn[] },
  files: readonly string[],
): string => {
  const columns = table.columns.map(({ name, type }) => [name, DUCKDB_TYPES[type as GlueType]] as const);
  if (files.length === 0) {
    const nulls = [...columns, ['dt', 'VARCHAR'], ['hour', 'VARCHAR']].map(
      ([name, type]) => `CAST(NULL AS ${type}) AS "${name}"`,
    );
    return `CREATE OR REPLACE TEMP TABLE "${table.name}" AS SELECT ${nulls.join(', ')} WHERE false`;
  }
  const struct = `{${columns.map(([name, type]) => `${quote(name)}: ${quote(type)}`).join(', ')}}`;
  return (
    `CREATE OR REPLACE VIEW "${table.name}" AS SELECT * FROM read_json(${list(files)}, ` +
    `format = 'newline_delimited', columns = ${struct}, hive_partitioning = true, hive_types_autocast = false)`
  );
};

/** A column of a table the engine reads from JSON objects. */
type TableColumn = Pick<WarehouseTable['columns'][number], 'name' | 'type'>;

/**
 * A table's objects: `dt=/hour=/` folders of files ending in `suffix`. Hidden and `_` files are
 * skipped, as Athena skips them ("Athena ignores files whose names begin with an underscore or a
 * dot": https://docs.aws.amazon.com/athena/latest/ug/tables-location-format.html).
 */
const listTableFiles = async (folder: string, suffix: string): Promise<string[]> => {
  try {
    const entries = await readdir(folder, { recursive: true, withFileTypes: true });
    return entries
      .filter((entry) => entry.isFile() && !/^[._]/.test(entry.name) && entry.name.endsWith(suffix))
      .map((entry) => path.join(entry.parentPath, entry.name))
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
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

// Firehose names objects without an extension (`<stream>-1-<time>-<uuid>`, `.gz` when compressed),
// so every file of a partition folder is a lake file, except hidden and `_`-prefixed ones (as in
// Athena and Hive).
const LAKE_FILE = /^raw\/dt=[^/]+\/hour=[^/]+\/[^._/][^/]*$/;

/** The lake's files a query may read, or undefined when there are none. */
const onlyVisible = (
  files: LakeFiles | undefined,
  visible: (file: string) => boolean,
): LakeFiles | undefined => {
  if (!files) return undefined;
  const shown = { parquet: files.parquet.filter(visible), json: files.json.filter(visible) };
  return shown.parquet.length + shown.json.length > 0 ? shown : undefined;
};

/** The lake's objects now (files arrive all the time), or undefined when there are none. */
export const listLakeFiles = async (lakeDir: string): Promise<LakeFiles | undefined> => {
  const files: LakeFiles = { parquet: [], json: [] };
  try {
    const entries = await readdir(path.join(lakeDir, 'raw'), { recursive: true, withFileTypes: true });
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const file = path.join(entry.parentPath, entry.name);
      if (!LAKE_FILE.test(path.relative(lakeDir, file).split(path.sep).join('/'))) continue;
      (entry.name.endsWith('.gz') ? files.json : files.parquet).push(file);
    }
  } catch {
    return undefined;
  }
  files.parquet.sort();
  files.json.sort();
  return files.parquet.length + files.json.length > 0 ? files : undefined;
};

/**
 * The report-runner's `QueryEngine` for the local cloud: DuckDB over the local lake folder with
 * hive partitioning, plus Trino-compatible macros. Same SQL, same `?` parameters (bound to a
 * prepared statement, and refused outside a WHERE clause as Athena refuses them), same result
 * shape as Athena. Only local folders: no httpfs, no `s3://`.
 */
export class DuckDbQueryEngine implements QueryEngine {
  private queue: Promise<void> = Promise.resolve();
  /** The views each query instance holds, by name, as the statement that created them. */
  private readonly viewsOf = new WeakMap<DuckDBInstance, Map<string, string>>();
  /** Columns of each Parquet file seen so far (lake objects are written once, never changed). */
  private readonly fileColumns = new Map<string, string>();
  /**
   * Where queries run: apart from `db`, so what tests build there is not a query's relation. One
   * thread: a report reads one hour partition, and a second thread mostly competes with the rest
   * of the local cloud for the cores (queries took longer with two, measured in local runs).
   */
  private readonly queries = new ReusedDuckDb({
    config: { threads: '1' },
    setup: Object.values(TRINO_COMPAT_MACROS),
  });

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly options: Required<
      Omit<DuckDbQueryEngineOptions, 'onProfile' | 'realtimeDir' | 'kafkaQuarantineDir' | 'reports'>
    > &
      Pick<DuckDbQueryEngineOptions, 'onProfile' | 'realtimeDir' | 'kafkaQuarantineDir' | 'reports'>,
  ) {}

  static async create(options: DuckDbQueryEngineOptions): Promise<DuckDbQueryEngine> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    for (const macro of Object.values(TRINO_COMPAT_MACROS)) await connection.run(macro);
    return new DuckDbQueryEngine(instance, connection, {
      viewName: 'telemetry',
      registryPrefix: REGISTRY_PREFIX,
      registryTableName: 'device_registry',
      visible: () => true,
      ...options,
      lakeDir: path.resolve(options.lakeDir),
    });
  }

  /** Queries run one at a time, each over the lake's files of the moment. */
  run(request: QueryRequest): Promise<QueryResult> {
    const result = this.queue.then(() => this.runNow(request));
    this.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private async runNow({ name, sql, parameters }: QueryRequest): Promise<QueryResult> {
    // Athena takes ? parameters only in a WHERE clause ("Use parameterized queries", Athena user
    // guide, https://docs.aws.amazon.com/athena/latest/ug/querying-with-prepared-statements.html);
    // DuckDB binds them anywhere, so a query Athena would fail fails here too, before it runs.
    const misplaced = misplacedParameters(sql);
    if (misplaced.length > 0)
      throw new QueryEngineError(`${name}: ${misplacedParametersMessage(misplaced)}`, false);
    const started = Date.now();
    // A connection of the shared query instance per query. Every relation the query names is
    // defined anew for it, over the files of the moment (they arrive all the time): a table as a
    // TEMP object that closes with the connection, a view in the instance, re-created only when
    // its definition changed (see `define`).
    return this.queries.use(async (connection, instance) => {
      const define = (statement: string) => this.define(connection, instance, statement);
      try {
        const { visible } = this.options;
        const source = onlyVisible(await listLakeFiles(this.options.lakeDir), visible);
        const schema = source ? await this.columnsOf(source, connection) : undefined;
        await define(
          lakeViewSql(this.options.viewName, source, schema?.present, { unionByName: !schema?.uniform }),
        );
        // Only for the reports that join it: the others should not pay for reading it.
        if (new RegExp(`\\b${this.options.registryTableName}\\b`, 'i').test(sql))
          await define(
            registryTableSql(
              this.options.registryTableName,
              (await listRegistryFiles(path.join(this.options.lakeDir, this.options.registryPrefix))).filter(
                visible,
              ),
            ),
          );
        const { realtimeDir } = this.options;
        for (const table of REALTIME_TABLES)
          if (realtimeDir && new RegExp(`\\b${table.name}\\b`, 'i').test(sql))
            await define(
              realtimeTableSql(
                table,
                (await listTableFiles(path.join(realtimeDir, realtimeTablePrefix(table)), '.json.gz')).filter(
                  visible,
                ),
              ),
            );
        for (const table of this.options.reports?.tables ?? [])
          if (new RegExp(`\\b${table.name}\\b`, 'i').test(sql))
            await define(
              realtimeTableSql(
                table,
                (await listTableFiles(path.join(this.options.reports!.dir, table.folder), '.json')).filter(
                  visible,
                ),
              ),
            );
        if (/\bquarantine/i.test(sql))
          for (const statement of await quarantineSql(
            { ingest: this.options.lakeDir, 'kafka-quarantine': this.options.kafkaQuarantineDir },
            visible,
          ))
            await define(statement);
        const profileFile = this.options.onProfile
          ? path.join(tmpdir(), `duckdb-profile-${randomUUID()}.json`)
          : undefined;
        if (profileFile) {
          await connection.run(`PRAGMA enable_profiling = 'json'`);
          await connection.run(`SET custom_profiling_settings = ${quote(PROFILE_METRICS)}`);
          await connection.run(`SET profiling_output = ${quote(profileFile)}`);
        }
        // The parameters as the literals Athena substitutes (see inlineParameters): DuckDB plans
        // with the values known, as Athena does; the reports took about an eighth more CPU as a
        // prepared statement with bound parameters (a local run's lake, each report replayed).
        const reader = await connection.runAndReadAll(inlineParameters(sql, parameters));
        if (profileFile) {
          // The file holds the profile of the last statement: the report.
          this.options.onProfile?.(profileOf(name, JSON.parse(await readFile(profileFile, 'utf8'))));
          await rm(profileFile, { force: true });
        }
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
        throw new QueryEngineError(
          `DuckDB: ${error instanceof Error ? error.message : String(error)}`,
          false,
          {
            cause: error,
          },
        );
      }
    });
  }

  /**
   * Runs a statement defining a relation. A view (`CREATE OR REPLACE VIEW "name" ...`) lives in the
   * instance, so it is run only when the instance does not hold that exact definition yet:
   * creating the lake view and the quarantine's views again for every query, unchanged, was about a
   * fifth of the reports' CPU time in a local run. Anything else (the TEMP tables) runs every time.
   */
  private async define(connection: DuckDBConnection, instance: DuckDBInstance, statement: string) {
    const view = /^CREATE OR REPLACE VIEW "([^"]+)"/.exec(statement)?.[1];
    if (view === undefined) return void (await connection.run(statement));
    let views = this.viewsOf.get(instance);
    if (!views) this.viewsOf.set(instance, (views = new Map()));
    if (views.get(view) === statement) return;
    // Forgotten first: if the statement fails, the next query defines the view again.
    views.delete(view);
    await connection.run(statement);
    views.set(view, statement);
  }

  /**
   * The columns the lake's files hold, and whether every Parquet file holds the same ones. Each
   * file is described once: describing them all on every query grows with the lake.
   */
  private async columnsOf(
    files: LakeFiles,
    connection: DuckDBConnection,
  ): Promise<{ present: Set<string>; uniform: boolean }> {
    const sets = new Set<string>();
    for (const file of files.parquet) {
      let columns = this.fileColumns.get(file);
      if (columns === undefined) {
        const described = await connection.runAndReadAll(
          `DESCRIBE SELECT * FROM read_parquet(${quote(file)}, hive_partitioning = true, hive_types_autocast = false)`,
        );
        columns = described
          .getRowObjectsJS()
          .map((row) => String(row.column_name))
          .sort()
          .join(',');
        this.fileColumns.set(file, columns);
      }
      sets.add(columns);
    }
    const present = new Set([...sets].flatMap((columns) => columns.split(',')));
    if (files.json.length > 0) {
      for (const name of Object.keys(CANONICAL_COLUMNS)) present.add(name);
      for (const { name } of PARTITION_COLUMNS) present.add(name);
    }
    return { present, uniform: sets.size <= 1 };
  }

  /** Runs raw SQL on the engine's connection (tests use it to build lakes). */
  get db(): DuckDBConnection {
    return this.connection;
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
    await this.queries.close();
  }
}
