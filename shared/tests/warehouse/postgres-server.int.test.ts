import { Pool } from 'pg';
import { PostgresTestServer } from '../../testing/postgres-server';
import {
  PostgresWarehouse,
  WarehouseError,
  type WarehouseRow,
  type WarehouseTable,
} from '../../src/warehouse';
import { createPgWarehouse, pgSqlClient } from '../../src/warehouse/adapters';

// Two Lambda containers are two connection pools on one PostgreSQL server. PGlite has a single
// session, so only a real server shows how their statements interleave.
const server = new PostgresTestServer();
// Cold databases and concurrent loads on a machine shared with other test files.
jest.setTimeout(30_000);
const LOADER = { user: 'loader', password: 'loader-secret' };

beforeAll(async () => {
  await server.start();
  await server.query(`CREATE ROLE ${LOADER.user} LOGIN PASSWORD '${LOADER.password}'`);
}, 60_000);
afterAll(() => server.stop());

let databases = 0;
/** A new database the loader may use (USAGE and CREATE on schema public), with no tables yet. */
const coldDatabase = async (): Promise<string> => {
  const database = `cold_${++databases}`;
  await server.query(`CREATE DATABASE ${database}`);
  await server.query(`GRANT USAGE, CREATE ON SCHEMA public TO ${LOADER.user}`, [], database);
  return database;
};

/** One container's warehouse: its own pool, already connected, as after a cold start. */
const container = async (database: string): Promise<PostgresWarehouse> => {
  const client = pgSqlClient(new Pool({ connectionString: server.url({ ...LOADER, database }), max: 4 }));
  await client.query('SELECT 1');
  return new PostgresWarehouse(client);
};

const reportTable = (name: string): WarehouseTable => ({
  name,
  columns: [
    { name: 'dt', type: 'date', nullable: false },
    { name: 'hour', type: 'string', nullable: false },
    { name: 'site', type: 'string', nullable: false },
    { name: 'readings', type: 'bigint', nullable: true },
  ],
  keyColumns: ['dt', 'hour', 'site'],
});
const TABLES = ['a', 'b', 'c', 'd', 'e', 'f'].map((suffix) => reportTable(`report_race_${suffix}`));
const scope = { dt: '2026-03-01', hour: '10' };
const rowsOf = (readings: number): WarehouseRow[] =>
  Array.from({ length: 20 }, (_, index) => ({ ...scope, site: `site-${index}`, readings: readings + index }));

const tableRows = async (database: string, table: WarehouseTable) =>
  (await server.query(`SELECT site, readings FROM ${table.name} ORDER BY site`, [], database)).map(
    ({ site, readings }) => ({ site, readings: Number(readings) }),
  );
const expected = (readings: number) =>
  rowsOf(readings)
    .map(({ site, readings: value }) => ({ site, readings: value }))
    .sort((left, right) => String(left.site).localeCompare(String(right.site)));

describe('two containers loading the same warehouse at once (real PostgreSQL)', () => {
  it('both succeed on a cold database: each table and view is created once, without a DDL race', async () => {
    for (let round = 0; round < 3; round += 1) {
      const database = await coldDatabase();
      const [first, second] = await Promise.all([container(database), container(database)]);
      try {
        // Like report-runner (reports loaded concurrently), then analytics-sink (a view over tables).
        const load = async (warehouse: PostgresWarehouse) => {
          await Promise.all(TABLES.map((table) => warehouse.replaceRows({ table, scope, rows: rowsOf(1) })));
          await warehouse.ensureView({
            name: 'report_race_all',
            select: TABLES.map(({ name }) => `SELECT site, readings FROM ${name}`).join(' UNION ALL '),
          });
        };
        const outcomes = await Promise.allSettled([load(first), load(second)]);
        expect(outcomes.filter(({ status }) => status === 'rejected')).toEqual([]);
        for (const table of TABLES) expect(await tableRows(database, table)).toEqual(expected(1));
      } finally {
        await Promise.all([first.close(), second.close()]);
      }
    }
  });

  it('both succeed replacing the same hour: the table ends up as exactly one of the two loads', async () => {
    const database = await coldDatabase();
    const [first, second] = await Promise.all([container(database), container(database)]);
    const [table] = TABLES;
    try {
      await first.ensureTable(table!);
      await second.ensureTable(table!);
      for (let round = 0; round < 10; round += 1) {
        const outcomes = await Promise.allSettled([
          first.replaceRows({ table: table!, scope, rows: rowsOf(100 * round) }),
          second.replaceRows({ table: table!, scope, rows: rowsOf(100 * round + 50) }),
        ]);
        expect(outcomes.filter(({ status }) => status === 'rejected')).toEqual([]);
        expect([expected(100 * round), expected(100 * round + 50)]).toContainEqual(
          await tableRows(database, table!),
        );
      }
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('survives the server ending its idle connections (failover, idle timeout): the next load reconnects', async () => {
    const database = await coldDatabase();
    const warehouse = await container(database);
    const [table] = TABLES;
    try {
      await warehouse.replaceRows({ table: table!, scope, rows: rowsOf(1) });
      const [{ ended }] = (await server.query(
        `SELECT count(pg_terminate_backend(pid)) AS ended FROM pg_stat_activity WHERE usename = $1 AND datname = $2`,
        [LOADER.user, database],
      )) as [{ ended: string }];
      expect(Number(ended)).toBeGreaterThan(0);
      // The pool hears of it as an 'error' event on an idle client.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await warehouse.replaceRows({ table: table!, scope, rows: rowsOf(7) });
      expect(await tableRows(database, table!)).toEqual(expected(7));
    } finally {
      await warehouse.close();
    }
  });
});

describe('the loader role: a login role that owns neither the database nor the schema (PostgreSQL 15+)', () => {
  const admin = (database: string) => createPgWarehouse(server.url({ database }), { max: 1 });
  const windowTable: WarehouseTable = {
    name: 'realtime_window_probe',
    columns: [
      { name: 'device_id', type: 'string', nullable: false },
      { name: 'window_start', type: 'timestamp', nullable: false },
      { name: 'readings', type: 'bigint', nullable: true },
    ],
    keyColumns: ['device_id', 'window_start'],
  };
  const windowKey = { device_id: 'dev-1', window_start: '2026-03-01 10:00:00.000' };
  const windowRow = { ...windowKey, readings: 3 };

  it('is not a superuser and owns nothing it was not granted', async () => {
    const database = await coldDatabase();
    expect(
      await server.query(
        `SELECT r.rolsuper, r.rolcreatedb, r.rolcreaterole, pg_get_userbyid(d.datdba) AS database_owner,
                pg_get_userbyid(n.nspowner) AS schema_owner
           FROM pg_roles r, pg_database d, pg_namespace n
          WHERE r.rolname = $1 AND d.datname = $2 AND n.nspname = 'public'`,
        [LOADER.user, database],
        database,
      ),
    ).toEqual([
      {
        rolsuper: false,
        rolcreatedb: false,
        rolcreaterole: false,
        database_owner: 'postgres',
        schema_owner: 'pg_database_owner',
      },
    ]);
  });

  it('does every warehouse operation with USAGE and CREATE on the schema alone', async () => {
    const warehouse = await container(await coldDatabase());
    const [table] = TABLES;
    try {
      await warehouse.replaceRows({ table: table!, scope, rows: rowsOf(1) });
      await warehouse.upsertRows({ table: windowTable, rows: [windowRow] });
      await warehouse.upsertRows({ table: windowTable, rows: [{ ...windowRow, readings: 4 }] });
      await warehouse.ensureView({
        name: 'realtime_window_probe_view',
        select: 'SELECT * FROM realtime_window_probe',
      });
      await warehouse.ensureView({
        name: 'realtime_window_probe_view',
        select: 'SELECT * FROM realtime_window_probe',
      });
      expect(await warehouse.existingKeys({ table: windowTable, keys: [windowKey] })).toEqual([windowKey]);
      expect(
        await warehouse.select({
          sql: 'SELECT readings FROM realtime_window_probe_view',
          columns: [{ name: 'readings', type: 'bigint' }],
        }),
      ).toEqual([{ readings: 4 }]);
    } finally {
      await warehouse.close();
    }
  });

  it('fails with a clear permanent error without CREATE on the schema (the PostgreSQL 15 default)', async () => {
    const database = `no_create_${++databases}`;
    await server.query(`CREATE DATABASE ${database}`);
    const warehouse = await container(database);
    try {
      const error = await warehouse
        .replaceRows({ table: TABLES[0]!, scope, rows: rowsOf(1) })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(WarehouseError);
      expect(error).toMatchObject({ transient: false, message: 'permission denied for schema public' });
    } finally {
      await warehouse.close();
    }
  });

  it('loads tables an administrator created, given SELECT, INSERT, UPDATE and DELETE on them', async () => {
    const database = await coldDatabase();
    const owner = admin(database);
    await owner.ensureTable(windowTable);
    await owner.close();
    await server.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON realtime_window_probe TO ${LOADER.user}`,
      [],
      database,
    );
    const warehouse = await container(database);
    try {
      await warehouse.upsertRows({ table: windowTable, rows: [windowRow] });
      await warehouse.upsertRows({ table: windowTable, rows: [{ ...windowRow, readings: 5 }] });
      expect(await warehouse.existingKeys({ table: windowTable, keys: [windowKey] })).toEqual([windowKey]);
    } finally {
      await warehouse.close();
    }
  });

  it('cannot replace a view another role owns: CREATE OR REPLACE VIEW is for its owner only', async () => {
    const database = await coldDatabase();
    const owner = admin(database);
    await owner.ensureTable(windowTable);
    await owner.ensureView({
      name: 'realtime_window_probe_view',
      select: 'SELECT * FROM realtime_window_probe',
    });
    await owner.close();
    await server.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON realtime_window_probe TO ${LOADER.user}`,
      [],
      database,
    );
    const warehouse = await container(database);
    try {
      const error = await warehouse
        .ensureView({ name: 'realtime_window_probe_view', select: 'SELECT * FROM realtime_window_probe' })
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({
        transient: false,
        message: 'must be owner of view realtime_window_probe_view',
      });
    } finally {
      await warehouse.close();
    }
  });
});
