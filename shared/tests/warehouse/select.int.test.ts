import {
  WarehouseError,
  type PostgresWarehouse,
  type SelectRequest,
  type WarehouseTable,
} from '../../src/warehouse';
import { createPgWarehouse } from '../../src/warehouse/adapters';
import { postgresEngines, type PostgresEngine } from './engines';

const table: WarehouseTable = {
  name: 'report_data_quality',
  columns: [
    { name: 'dt', type: 'date', nullable: false },
    { name: 'hour', type: 'string', nullable: false },
    { name: 'records', type: 'bigint', nullable: true },
    { name: 'max_lateness_seconds', type: 'double', nullable: true },
    { name: 'newest', type: 'timestamp', nullable: true },
  ],
  keyColumns: ['dt', 'hour'],
};
const rows = [
  {
    dt: '2026-03-29',
    hour: '01',
    records: 9_007_199_254,
    max_lateness_seconds: 1.25,
    newest: '2026-03-29 02:30:00.125',
  },
  { dt: '2026-03-29', hour: '02', records: 0, max_lateness_seconds: null, newest: null },
  { dt: '2026-03-29', hour: '03', records: 7, max_lateness_seconds: 0.5, newest: '2026-03-29 03:59:59.999' },
];

const request: SelectRequest = {
  sql: `SELECT dt, hour, records, max_lateness_seconds, newest, AVG(CAST(records AS DECIMAL(18, 6))) OVER () AS mean
FROM report_data_quality WHERE dt >= :since`,
  parameters: { since: { type: 'date', value: '2026-03-29' } },
  columns: [
    { name: 'dt', type: 'date' },
    { name: 'hour', type: 'string' },
    { name: 'records', type: 'bigint' },
    { name: 'max_lateness_seconds', type: 'double' },
    { name: 'newest', type: 'timestamp' },
    { name: 'mean', type: 'double' },
  ],
  orderBy: [{ column: 'hour', descending: true }],
};
const mean = Math.round(((9_007_199_254 + 0 + 7) / 3) * 1e6) / 1e6;
const expected = [...rows].reverse().map((row) => ({ ...row, mean: expect.closeTo(mean, 5) }));

describe.each(postgresEngines())('select on %s', (_name, engine: PostgresEngine) => {
  let warehouse: PostgresWarehouse;

  beforeAll(async () => {
    await engine.start();
    warehouse = createPgWarehouse(engine.url(), { max: engine.maxConnections });
    await warehouse.replaceRows({ table, scope: { dt: '2026-03-29' }, rows });
  }, 60_000);

  afterAll(async () => {
    await warehouse?.close();
    await engine.stop();
  });

  it('reads dates, timestamps (milliseconds kept, even in a DST gap), big integers and decimals as plain values', async () => {
    expect(await warehouse.select(request)).toEqual(expected);
    const inProcess = engine.inProcess?.();
    if (inProcess) expect(await inProcess.select(request)).toEqual(expected);
  });

  it('reads the same values through the pg driver, whatever its local-time Date parsing would do', async () => {
    const previous = process.env.TZ;
    // 2026-03-29 02:30 does not exist in Berlin (clocks jump from 02:00 to 03:00 that night): a
    // round-trip through pg's local-time Date objects would turn it into 03:30.
    process.env.TZ = 'Europe/Berlin';
    try {
      expect(await warehouse.select(request)).toEqual(expected);
    } finally {
      process.env.TZ = previous;
    }
  });

  it('runs in a read-only transaction: a SELECT with a side effect fails and changes nothing', async () => {
    await engine.query('CREATE SEQUENCE dashboard_probe');
    const write: SelectRequest = {
      sql: "SELECT nextval('dashboard_probe') AS next",
      columns: [{ name: 'next', type: 'bigint' }],
    };
    await expect(warehouse.select(write)).rejects.toThrow(WarehouseError);
    await expect(warehouse.select(write)).rejects.toThrow(/read-only transaction/);
    expect(await engine.query('SELECT last_value, is_called FROM dashboard_probe')).toEqual([
      { last_value: 1, is_called: false },
    ]);
  });

  it('reports a missing relation as a (non-transient) WarehouseError', async () => {
    const error = await warehouse
      .select({ sql: 'SELECT alert_id FROM realtime_alert', columns: [{ name: 'alert_id', type: 'string' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WarehouseError);
    expect(error).toMatchObject({ transient: false, message: expect.stringMatching(/does not exist/) });
  });
});
