import { Pool, type PoolConfig } from 'pg';
import { PostgresWarehouse, type SqlClient, type SqlExecutor } from '../postgres';
import type { PgConnection } from './pg-connection';

const executor = (target: Pick<Pool, 'query'>): SqlExecutor => ({
  async query(sql, parameters = []) {
    const result = await target.query(sql, [...parameters]);
    return { rows: result.rows as Record<string, unknown>[], affectedRows: result.rowCount ?? 0 };
  },
});

// The server may end a pooled connection at any time (restart, failover, idle timeout,
// pg_terminate_backend): `pg` reports it as an 'error' event on the pool (idle client) or on the
// client (checked out), and an 'error' event nobody listens to ends the process, i.e. the Lambda
// container. The broken client is dropped; the next query opens a new connection, and a query that
// was running rejects on its own. https://node-postgres.com/apis/pool#error
const ignoreConnectionError = (): void => undefined;

/** A {@link SqlClient} over a `pg` connection pool. */
export const pgSqlClient = (pool: Pool): SqlClient => {
  pool.on('error', ignoreConnectionError);
  pool.on('connect', (client) => client.on('error', ignoreConnectionError));
  return {
    ...executor(pool),
    async transaction(work) {
      const connection = await pool.connect();
      let broken: Error | undefined;
      try {
        await connection.query('BEGIN');
        const result = await work(executor(connection));
        await connection.query('COMMIT');
        return result;
      } catch (error) {
        // A connection that cannot even roll back is discarded rather than returned to the pool.
        broken = await connection.query('ROLLBACK').then(
          () => undefined,
          (rollbackError: unknown) =>
            rollbackError instanceof Error ? rollbackError : new Error('ROLLBACK failed'),
        );
        throw error;
      } finally {
        connection.release(broken);
      }
    },
    close: () => pool.end(),
  };
};

// Opens the client on first use, so a URL read from Secrets Manager needs no await at init. A
// failed open is not kept: the next call opens again.
const deferredSqlClient = (open: () => Promise<SqlClient>): SqlClient => {
  let opened: Promise<SqlClient> | undefined;
  const client = () =>
    (opened ??= open().catch((error: unknown) => {
      opened = undefined;
      throw error;
    }));
  return {
    query: async (sql, parameters) => (await client()).query(sql, parameters),
    transaction: async (work) => (await client()).transaction(work),
    close: async () => {
      const current = await opened?.catch(() => undefined);
      opened = undefined;
      await current?.close();
    },
  };
};

/**
 * The warehouse on any Postgres reachable through a connection URL
 * (`postgres://user:password@host:5432/db?sslmode=require`), e.g. RDS, Aurora or a local server.
 * The URL is given, or resolved on first use (`createPgConnection`). A Lambda keeps one
 * small pool per container.
 */
export const createPgWarehouse = (
  connection: PgConnection,
  pool: Omit<PoolConfig, 'connectionString'> = { max: 2 },
): PostgresWarehouse => {
  const open = (connectionString: string) => pgSqlClient(new Pool({ ...pool, connectionString }));
  return new PostgresWarehouse(
    typeof connection === 'string'
      ? open(connection)
      : deferredSqlClient(async () => open(await connection())),
  );
};
