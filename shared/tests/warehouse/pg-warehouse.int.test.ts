import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { WarehouseTable } from '../../src';
import { createPgWarehouse } from '../../src/adapters';

// A real Postgres wire protocol without a server install: PGlite behind a Unix socket.
describe('the pg warehouse through a connection URL', () => {
  let dir: string;
  let db: PGlite;
  let server: PGLiteSocketServer;

  const table: WarehouseTable = {
    name: 'report_site_hourly_summary',
    columns: [
      { name: 'dt', type: 'date', nullable: false },
      { name: 'hour', type: 'string', nullable: false },
      { name: 'site', type: 'string', nullable: false },
      { name: 'readings', type: 'bigint', nullable: true },
      { name: 'battery_min', type: 'double', nullable: true },
    ],
    keyColumns: ['dt', 'hour', 'site'],
  };
  const rows = [
    { dt: '2026-03-01', hour: '10', site: 'plant-a', readings: 120, battery_min: 14.5 },
    { dt: '2026-03-01', hour: '10', site: 'plant-b', readings: 80, battery_min: null },
  ];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pg-socket-'));
    db = await PGlite.create();
    server = new PGLiteSocketServer({ db, path: path.join(dir, '.s.PGSQL.5432'), maxConnections: 1 });
    await server.start();
  });

  afterAll(async () => {
    await server?.stop();
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('replaces a partition twice to the same rows and upserts by key', async () => {
    // One connection: PGlite has a single session, so a second one would share its transactions.
    const warehouse = createPgWarehouse(`postgresql://postgres@localhost/postgres?host=${dir}`, { max: 1 });
    try {
      const scope = { dt: '2026-03-01', hour: '10' };
      expect(await warehouse.replaceRows({ table, scope, rows })).toEqual({
        table: table.name,
        deleted: 0,
        inserted: 2,
      });
      expect(await warehouse.replaceRows({ table, scope, rows })).toEqual({
        table: table.name,
        deleted: 2,
        inserted: 2,
      });
      await warehouse.upsertRows({ table, rows: [{ ...rows[1]!, readings: 81 }] });
      const result = await db.query(
        'SELECT site, readings, battery_min FROM report_site_hourly_summary ORDER BY site',
      );
      expect(result.rows).toEqual([
        { site: 'plant-a', readings: 120, battery_min: 14.5 },
        { site: 'plant-b', readings: 81, battery_min: null },
      ]);
    } finally {
      await warehouse.close();
    }
  });
});
