import { Pool, type PoolConfig } from 'pg';
import { PostgresWarehouse, type SqlClient, type SqlExecutor } from '../warehouse';

const executor = (target: Pick<Pool, 'query'>): SqlExecutor => ({
  async query(sql, parameters = []) {
    const result = await target.query(sql, [...parameters]);
    return { rows: result.rows as Record<string, unknown>[], affectedRows: result.rowCount ?? 0 };
  },
});

/** A {@link SqlClient} over a `pg` connection pool. */
export const pgSqlClient = (pool: Pool): SqlClient => ({
  ...executor(pool),
  async transaction(work) {
    const connection = await pool.connect();
    try {
      await connection.query('BEGIN');
      const result = await work(executor(connection));
      await connection.query('COMMIT');
      return result;
    } catch (error) {
      await connection.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      connection.release();
    }
  },
  close: () => pool.end(),
});

/**
 * The warehouse on any Postgres reachable through a connection URL
 * (`postgres://user:password@host:5432/db?sslmode=require`), e.g. RDS, Aurora or a local server.
 * A Lambda keeps one small pool per container.
 */
export const createPgWarehouse = (
  connectionString: string,
  pool: Omit<PoolConfig, 'connectionString'> = { max: 2 },
): PostgresWarehouse => new PostgresWarehouse(pgSqlClient(new Pool({ ...pool, connectionString })));
