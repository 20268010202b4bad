import type { WarehouseTable } from '../../src';
import { createPgWarehouse } from '../../src/adapters';
import { postgresEngines, type PostgresEngine } from './engines';

// The same contract on PGlite (the local cloud's warehouse) and on a real PostgreSQL server.
describe.each(postgresEngines())(
  'the pg warehouse through a connection URL, on %s',
  (_name, engine: PostgresEngine) => {
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

    beforeAll(() => engine.start(), 60_000);
    afterAll(() => engine.stop());

    it('replaces a partition twice to the same rows and upserts by key', async () => {
      const warehouse = createPgWarehouse(engine.url(), { max: engine.maxConnections });
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
        expect(
          await engine.query(
            'SELECT site, readings, battery_min FROM report_site_hourly_summary ORDER BY site',
          ),
        ).toEqual([
          { site: 'plant-a', readings: 120, battery_min: 14.5 },
          { site: 'plant-b', readings: 81, battery_min: null },
        ]);
      } finally {
        await warehouse.close();
      }
    });
  },
);
