import { createPgWarehouse, type WarehouseTable } from '../../src/warehouse';
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

    it('adds the columns a table created by an earlier release lacks, once, with concurrent loaders', async () => {
      const released: WarehouseTable = { ...table, name: 'report_evolving' };
      const evolved: WarehouseTable = {
        ...released,
        columns: [...released.columns, { name: 'co2_ppm_avg', type: 'double', nullable: true }],
      };
      // A container: its own warehouse with its own memory of ensured tables. PGlite serves one
      // connection over its socket, so there each container uses it in process.
      const container = () => engine.inProcess?.() ?? createPgWarehouse(engine.url(), { max: 1 });
      // Closing an in-process warehouse would close the engine's database.
      const stop = async (warehouse: ReturnType<typeof container>) => {
        if (!engine.inProcess) await warehouse.close();
      };
      const before = container();
      try {
        await before.replaceRows({ table: released, scope: { dt: '2026-03-01', hour: '10' }, rows });
      } finally {
        await stop(before);
      }

      // Two containers deployed with the new definition ensure the table at once (one after the
      // other on PGlite), then one loads.
      if (engine.maxConnections > 1) {
        const loaders = [container(), container()];
        try {
          await Promise.all(loaders.map((loader) => loader.ensureTable(evolved)));
        } finally {
          await Promise.all(loaders.map(stop));
        }
      } else {
        for (const loader of [container(), container()]) {
          try {
            await loader.ensureTable(evolved);
          } finally {
            await stop(loader);
          }
        }
      }
      const loader = container();
      try {
        await loader.replaceRows({
          table: evolved,
          scope: { dt: '2026-03-01', hour: '11' },
          rows: [
            {
              dt: '2026-03-01',
              hour: '11',
              site: 'plant-c',
              readings: 3,
              battery_min: 50,
              co2_ppm_avg: 415.5,
            },
          ],
        });
      } finally {
        await stop(loader);
      }

      expect(
        await engine.query(
          "SELECT column_name FROM information_schema.columns WHERE table_name = 'report_evolving' ORDER BY ordinal_position",
        ),
      ).toEqual(evolved.columns.map(({ name }) => ({ column_name: name })));
      expect(
        await engine.query('SELECT hour, site, co2_ppm_avg FROM report_evolving ORDER BY hour, site'),
      ).toEqual([
        { hour: '10', site: 'plant-a', co2_ppm_avg: null },
        { hour: '10', site: 'plant-b', co2_ppm_avg: null },
        { hour: '11', site: 'plant-c', co2_ppm_avg: 415.5 },
      ]);
    }, 60_000);

    it('replaces a view whose columns an added metric changed before its last ones', async () => {
      // realtime_device_window's per-metric columns come before segment_count: an added metric
      // inserts columns, which CREATE OR REPLACE VIEW refuses (42P16) on Postgres.
      const container = () => engine.inProcess?.() ?? createPgWarehouse(engine.url(), { max: 1 });
      const stop = async (warehouse: ReturnType<typeof container>) => {
        if (!engine.inProcess) await warehouse.close();
      };
      const view = (metrics: string[]) => ({
        name: 'report_evolving_view',
        select: `SELECT site, ${metrics.map((m) => `min(${m}) AS ${m}_min`).join(', ')}, count(*) AS rows FROM report_site_hourly_summary GROUP BY site`,
      });
      for (const metrics of [['battery_min'], ['battery_min', 'readings']]) {
        const deployed = container();
        try {
          await deployed.ensureTable(table);
          await deployed.ensureView(view(metrics));
        } finally {
          await stop(deployed);
        }
      }
      expect(
        await engine.query(
          "SELECT column_name FROM information_schema.columns WHERE table_name = 'report_evolving_view' ORDER BY ordinal_position",
        ),
      ).toEqual(['site', 'battery_min_min', 'readings_min', 'rows'].map((name) => ({ column_name: name })));
    }, 60_000);
  },
);
