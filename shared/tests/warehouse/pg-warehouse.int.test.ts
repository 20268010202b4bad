import { type WarehouseTable } from '../../src/warehouse';
import { createPgWarehouse } from '../../src/warehouse/adapters';
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

    // Every value a load carries reads back as it was written, on the local cloud's path (PGlite in
    // process) and the deployed one (the pg driver): text of any kind, doubles to the last bit,
    // integers to their limits, timestamps to the millisecond, booleans and NULLs. A string that is
    // not well-formed UTF-16 (a lone surrogate) is stored as U+FFFD, as UTF-8 encoding makes it.
    it('loads awkward values of every column type exactly, by upsert and by replace', async () => {
      const awkward: WarehouseTable = {
        name: 'report_awkward',
        columns: [
          { name: 'dt', type: 'date', nullable: false },
          { name: 'id', type: 'string', nullable: false },
          { name: 'label', type: 'string', nullable: true },
          { name: 'ratio', type: 'double', nullable: true },
          { name: 'small', type: 'int', nullable: true },
          { name: 'large', type: 'bigint', nullable: true },
          { name: 'at', type: 'timestamp', nullable: true },
          { name: 'flag', type: 'boolean', nullable: true },
        ],
        keyColumns: ['dt', 'id'],
      };
      const written = [
        {
          dt: '2026-03-01',
          id: 'quotes',
          label: `it's "quoted" \\ back\\slash, $1 ? :name -- not a comment`,
          ratio: 0.1 + 0.2,
          small: 2_147_483_647,
          large: Number.MAX_SAFE_INTEGER,
          at: '2026-03-01 10:15:00.123',
          flag: true,
        },
        {
          dt: '2026-03-01',
          id: 'unicode',
          label: 'line\nbreak\ttab é 日本 🌡️ \u001f',
          ratio: 5e-324,
          small: -2_147_483_648,
          large: -Number.MAX_SAFE_INTEGER,
          at: '1970-01-01 00:00:00.000',
          flag: false,
        },
        {
          dt: '2026-03-01',
          id: 'extremes',
          label: '',
          ratio: -1.7976931348623157e308,
          small: 0,
          large: 0,
          at: null,
          flag: null,
        },
        {
          dt: '2026-03-01',
          id: 'nulls',
          label: null,
          ratio: null,
          small: null,
          large: null,
          at: null,
          flag: null,
        },
        {
          dt: '2026-03-01',
          id: 'lone \ud800 surrogate',
          label: 'x\udc00y',
          ratio: 1e21,
          small: 1,
          large: 1,
          at: null,
          flag: true,
        },
      ];
      const stored = written.map((row) => ({
        ...row,
        id: row.id.replace('\ud800', '\ufffd'),
        label: row.label?.replace('\udc00', '\ufffd') ?? null,
      }));
      const readBack = () =>
        engine.query(
          `SELECT dt::text AS dt, id, label, ratio, small, large, to_char(at, 'YYYY-MM-DD HH24:MI:SS.MS') AS at, flag FROM report_awkward ORDER BY id`,
        );
      const byId = (rows: readonly Record<string, unknown>[]) =>
        [...rows].sort((a, b) => (String(a.id) < String(b.id) ? -1 : 1));
      const warehouse = engine.inProcess?.() ?? createPgWarehouse(engine.url(), { max: 1 });
      try {
        await warehouse.upsertRows({ table: awkward, rows: written });
        expect(await readBack()).toEqual(byId(stored));
        await warehouse.replaceRows({ table: awkward, scope: { dt: '2026-03-01' }, rows: written.slice(1) });
        expect(await readBack()).toEqual(byId(stored.slice(1)));
      } finally {
        if (!engine.inProcess) await warehouse.close();
      }
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
