import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { PostgresWarehouse, type SqlClient, type SqlExecutor } from '@pipeline/shared/warehouse';

/** A value as a SQL literal, or undefined when it has none here (the statement then binds it). */
const literal = (value: unknown): string | undefined => {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return `'${value.replaceAll("'", "''")}'`;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  return undefined;
};

/**
 * Runs the warehouse's statements, each prepared once per database. PGlite parses and plans
 * every statement it is sent, and that was most of what a small upsert cost, while the warehouse
 * sends a handful of statements over and over. A prepared statement (`PREPARE`, which outlives a
 * rolled-back transaction) is planned once; `EXECUTE` takes its values as literals, since it
 * accepts no bind parameters (https://www.postgresql.org/docs/current/sql-prepare.html,
 * https://www.postgresql.org/docs/current/sql-execute.html). Names are never reused, so callers
 * preparing the same statement at once need not wait for each other.
 */
class PreparedStatements {
  readonly #names = new Map<string, string>();
  #count = 0;

  async query(
    target: PGlite | Transaction,
    sql: string,
    parameters: readonly unknown[],
  ): Promise<{ rows: Record<string, unknown>[]; affectedRows: number }> {
    const literals = parameters.map(literal);
    const prepared = parameters.length > 0 && literals.every((value) => value !== undefined);
    // EXECUTE goes as a simple query (`exec`): one protocol message instead of the extended
    // protocol's parse, bind, describe and execute, for the same rows and types.
    const result = prepared
      ? (await target.exec(`EXECUTE ${await this.#prepare(target, sql)}(${literals.join(', ')})`))[0]!
      : await target.query<Record<string, unknown>>(sql, [...parameters]);
    return { rows: result.rows as Record<string, unknown>[], affectedRows: result.affectedRows ?? 0 };
  }

  /** The name of `sql`'s prepared statement, prepared now if it is new. */
  async #prepare(target: PGlite | Transaction, sql: string): Promise<string> {
    let name = this.#names.get(sql);
    if (name === undefined) {
      name = `warehouse_statement_${(this.#count += 1)}`;
      await target.exec(`PREPARE ${name} AS ${sql}`);
      this.#names.set(sql, name);
    }
    return name;
  }
}

/** A database's prepared statements, shared by every client over it (they share its session). */
const preparedOf = new WeakMap<PGlite, PreparedStatements>();

/** A {@link SqlClient} over PGlite (Postgres compiled to WASM, in process). */
export const pgliteSqlClient = (db: PGlite): SqlClient => {
  const statements = preparedOf.get(db) ?? new PreparedStatements();
  preparedOf.set(db, statements);
  const executor = (target: PGlite | Transaction): SqlExecutor => ({
    query: (sql, parameters = []) => statements.query(target, sql, parameters),
  });
  return {
    ...executor(db),
    transaction: (work) => db.transaction((tx) => work(executor(tx))),
    close: () => db.close(),
  };
};

/**
 * The local cloud's default warehouse: PGlite embedded, persisted in `dataDir` (in memory when
 * absent). A fresh data directory takes a few seconds to initialise; an existing one opens fast.
 */
export const createPgliteWarehouse = async (
  dataDir?: string,
): Promise<{ warehouse: PostgresWarehouse; db: PGlite }> => {
  const db = await PGlite.create(dataDir);
  return { warehouse: new PostgresWarehouse(pgliteSqlClient(db)), db };
};

/**
 * A fresh cluster per installed PGlite version, in the installation's cache folder
 * (`node_modules/.cache/`, emptied by `npm ci`), that new data directories are copied from.
 */
export const defaultPgliteTemplateDir = (): string => {
  const entry = require.resolve('@electric-sql/pglite');
  const packageDir = entry.slice(0, entry.lastIndexOf(`${path.sep}dist${path.sep}`));
  const { version } = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const nodeModules = packageDir.slice(0, packageDir.lastIndexOf(`${path.sep}node_modules${path.sep}`));
  return path.join(nodeModules, 'node_modules', '.cache', 'pipeline-local', `pglite-${version}-cluster`);
};

const hasCluster = (dataDir: string) => existsSync(path.join(dataDir, 'PG_VERSION'));

/** `dir` plus a suffix no other process uses, beside it (so a rename into place is atomic). */
const scratchBeside = (dir: string) => `${dir}.${process.pid}-${randomUUID().slice(0, 8)}.tmp`;

/**
 * Runs initdb in a short-lived child process: initdb grows PGlite's WASM memory to about 0.9 GB,
 * which a process never gives back; the long-running local cloud then opens the initialised
 * directory at about 0.35 GB.
 */
const initdb = async (dataDir: string): Promise<void> => {
  const module = JSON.stringify(require.resolve('@electric-sql/pglite'));
  const script = `require(${module}).PGlite.create(${JSON.stringify(dataDir)}).then((db) => db.close())`;
  await promisify(execFile)(process.execPath, ['-e', script]);
};

/**
 * Initialises a PGlite data directory, unless it already holds a cluster, as a copy of a fresh
 * cluster made once (`templateDir`): initdb takes seconds, most of a local run's start-up, and its
 * result is the same every time; copying it takes a fraction of a second. The template is made
 * beside its place and renamed into it, so concurrent runs never see half of one.
 */
export const initialisePgliteDataDir = async (
  dataDir: string,
  templateDir: string = defaultPgliteTemplateDir(),
): Promise<void> => {
  if (hasCluster(dataDir)) return;
  if (!hasCluster(templateDir)) {
    const fresh = scratchBeside(templateDir);
    await mkdir(path.dirname(templateDir), { recursive: true });
    try {
      await initdb(fresh);
      // Another run may have put its template in place meanwhile: either is as good.
      await rename(fresh, templateDir).catch((error: NodeJS.ErrnoException) => {
        if (!hasCluster(templateDir)) throw error;
      });
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  }
  const copy = scratchBeside(dataDir);
  await mkdir(path.dirname(dataDir), { recursive: true });
  try {
    // Synchronous: fs.promises.cp awaits each of the cluster's small files in turn, slower for a
    // folder of many small files.
    cpSync(templateDir, copy, { recursive: true });
    await rename(copy, dataDir);
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
};
