import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { PostgresWarehouse, type SqlClient, type SqlExecutor } from '@pipeline/shared';

const executor = (target: PGlite | Transaction): SqlExecutor => ({
  async query(sql, parameters = []) {
    const result = await target.query<Record<string, unknown>>(sql, [...parameters]);
    return { rows: result.rows, affectedRows: result.affectedRows ?? 0 };
  },
});

/** A {@link SqlClient} over PGlite (Postgres compiled to WASM, in process). */
export const pgliteSqlClient = (db: PGlite): SqlClient => ({
  ...executor(db),
  transaction: (work) => db.transaction((tx) => work(executor(tx))),
  close: () => db.close(),
});

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
 * Initialises a PGlite data directory in a short-lived child process, unless it already holds a
 * cluster. initdb grows PGlite's WASM memory to about 0.9 GB, which a process never gives back;
 * the long-running local cloud then opens the initialised directory at about 0.35 GB.
 */
export const initialisePgliteDataDir = async (dataDir: string): Promise<void> => {
  if (existsSync(path.join(dataDir, 'PG_VERSION'))) return;
  const module = JSON.stringify(require.resolve('@electric-sql/pglite'));
  const script = `require(${module}).PGlite.create(${JSON.stringify(dataDir)}).then((db) => db.close())`;
  await promisify(execFile)(process.execPath, ['-e', script]);
};
