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
