import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { DuckDbQueryEngine, FolderObjectStore } from '@pipeline/local/engines';
import { freshPgliteWarehouse } from '@pipeline/local/testing';
import { WarehouseError, type PostgresWarehouse, type WarehouseTable } from '@pipeline/shared/warehouse';
import { partitionId, type PartitionRun } from '../src/domain/batch-plan';
import { reportOutputKeys } from '../src/domain/layout';
import type { RunManifest } from '../src/domain/manifest';
import { LAKE_RELATION } from '../src/domain/report-definition';
import { runPartition, type ReportRunnerDependencies } from '../src/domain/run-reports';
import { loadReports } from '../src/reports';
import { TEST_SETTINGS } from './support/expected';
import { generateTelemetry, writeLake, type LakeRecord } from './support/lake';
import { generateRegistry, writeRegistry } from './support/registry';

const reports = loadReports();
const partition = { dt: '2026-03-01', hour: '10' };
const run: PartitionRun = {
  id: partitionId(partition),
  partition,
  trigger: 'object-created',
  sources: ['s3://ingest/raw/dt=2026-03-01/hour=10/a.parquet'],
  messageIds: ['m1'],
};

describe('report runs loaded into the PGlite warehouse', () => {
  let root: string;
  let engine: DuckDbQueryEngine;
  let warehouse: PostgresWarehouse;
  let db: PGlite;
  let store: FolderObjectStore;
  let records: LakeRecord[];
  let deps: ReportRunnerDependencies;

  /** Every report table, rows ordered by key, as JSON text: equal snapshots mean identical tables. */
  const snapshot = async (): Promise<Record<string, unknown[]>> =>
    Object.fromEntries(
      await Promise.all(
        reports.map(async ({ table }) => {
          const order = table.keyColumns.map((key) => `"${key}"`).join(', ');
          const result = await db.query(`SELECT * FROM "${table.name}" ORDER BY ${order}`);
          return [table.name, JSON.parse(JSON.stringify(result.rows)) as unknown[]];
        }),
      ),
    );

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'report-runner-warehouse-'));
    records = generateTelemetry({
      start: '2026-03-01T10:00:00.000Z',
      hours: 2,
      readingsPerHour: 600,
      seed: 7,
    }).records;
    await writeLake(path.join(root, 'lake'), records);
    await writeRegistry(path.join(root, 'lake'), generateRegistry());
    engine = await DuckDbQueryEngine.create({ lakeDir: path.join(root, 'lake') });
    // One PGlite for the whole file: a fresh data directory takes seconds to initialise.
    ({ warehouse, db } = await freshPgliteWarehouse());
    store = new FolderObjectStore(path.join(root, 'reports'));
    deps = {
      engine,
      store,
      warehouse,
      reports,
      settings: TEST_SETTINGS,
      lakeRelation: LAKE_RELATION,
      reportConcurrency: 2,
    };
    // A Parquet lake, DuckDB and a PGlite cluster: seconds quiet, far more on a loaded machine.
  }, 60_000);

  afterAll(async () => {
    await engine?.close();
    await warehouse?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('creates each report table from its header: columns, types and primary key', async () => {
    await runPartition(deps, run);
    for (const { table } of reports) {
      const columns = await db.query<{ column_name: string; data_type: string; is_nullable: string }>(
        `SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`,
        [table.name],
      );
      expect(columns.rows.map(({ column_name }) => column_name)).toEqual(
        table.columns.map(({ name }) => name),
      );
      const types: Record<string, string> = {
        string: 'text',
        double: 'double precision',
        bigint: 'bigint',
        int: 'integer',
        date: 'date',
        timestamp: 'timestamp without time zone',
      };
      expect(columns.rows.map(({ data_type }) => data_type)).toEqual(
        table.columns.map(({ type }) => types[type]),
      );
      const key = await db.query<{ column_name: string }>(
        `SELECT k.column_name FROM information_schema.table_constraints c
           JOIN information_schema.key_column_usage k ON k.constraint_name = c.constraint_name
          WHERE c.table_name = $1 AND c.constraint_type = 'PRIMARY KEY' ORDER BY k.ordinal_position`,
        [table.name],
      );
      expect(key.rows.map(({ column_name }) => column_name)).toEqual([...table.keyColumns]);
    }
  });

  it('loads the same partition twice into identical rows, outputs and manifests', async () => {
    const first = await runPartition(deps, run);
    const tablesAfterFirst = await snapshot();
    const outputsAfterFirst = await Promise.all(
      reports.map(({ name }) => readFile(store.pathOf(reportOutputKeys(name, partition).data), 'utf8')),
    );

    const second = await runPartition(deps, run);
    expect(await snapshot()).toEqual(tablesAfterFirst);
    const outputsAfterSecond = await Promise.all(
      reports.map(({ name }) => readFile(store.pathOf(reportOutputKeys(name, partition).data), 'utf8')),
    );
    expect(outputsAfterSecond).toEqual(outputsAfterFirst);

    const stable = ({
      timings: _timings,
      query: { id: _id, engineMillis: _engine, ...query },
      ...rest
    }: RunManifest) => ({ ...rest, query });
    expect(second.map(stable)).toEqual(first.map(stable));
    for (const manifest of second) {
      expect(manifest.warehouse).toEqual({
        table: expect.any(String),
        deleted: manifest.output.rows,
        inserted: manifest.output.rows,
      });
      expect(tablesAfterFirst[manifest.warehouse!.table]).toHaveLength(manifest.output.rows);
    }
    const devices = tablesAfterFirst.report_device_hourly_stats!;
    expect(devices.length).toBeGreaterThan(10);
    // Only this partition was loaded.
    expect(new Set((devices as { hour: string }[]).map(({ hour }) => hour))).toEqual(new Set(['10']));
  });

  it('replaces the partition on a re-run: late objects add rows, vanished rows go', async () => {
    await runPartition(deps, run);
    const before = await snapshot();
    // A late object for the hour, and stricter thresholds: more anomalies, more readings.
    const late = generateTelemetry({
      start: '2026-03-01T10:00:00.000Z',
      hours: 1,
      readingsPerHour: 100,
      seed: 99,
    }).records;
    await writeLake(path.join(root, 'lake'), late, { files: 1, tag: 'late' });
    await runPartition(
      {
        ...deps,
        settings: {
          ...TEST_SETTINGS,
          thresholds: { ...TEST_SETTINGS.thresholds, humidity: { min: 40, max: 60 } },
        },
      },
      run,
    );
    const grown = await snapshot();
    const [quality] = grown.report_data_quality as { records: string }[];
    expect(Number(quality?.records)).toBe(records.filter(({ hour }) => hour === '10').length + late.length);
    expect(grown.report_anomalies!.length).toBeGreaterThan(before.report_anomalies!.length);

    // Back to the original thresholds: the extra anomaly rows must disappear, not linger.
    await runPartition(deps, run);
    const shrunk = await snapshot();
    expect(shrunk.report_anomalies!.length).toBeLessThan(grown.report_anomalies!.length);
    expect(
      (shrunk.report_anomalies as { metric: string; value: number }[]).filter(
        ({ metric, value }) => metric === 'humidity' && value >= 5 && value <= 95,
      ),
    ).toEqual([]);
  });

  it('replaces the registry reports of the hour when the registry changes, leaving no stale rows', async () => {
    const silentDevices = async () =>
      (
        await db.query<{ device_id: string }>(
          'SELECT device_id FROM report_silent_devices ORDER BY device_id',
        )
      ).rows.map(({ device_id }) => device_id);
    const owners = async () =>
      (
        await db.query<{ dimension_value: string; registered_devices: string }>(
          `SELECT dimension_value, registered_devices FROM report_registry_hourly_summary
            WHERE dimension = 'owner' ORDER BY dimension_value`,
        )
      ).rows.map(({ dimension_value, registered_devices }) => `${dimension_value}: ${registered_devices}`);

    await runPartition(deps, run);
    expect(await silentDevices()).toEqual(['dev-900', 'dev-901', 'dev-903']);
    expect(await owners()).toContain('logistics: 1');

    // dev-903 is retired from the registry and dev-900 moves to logistics.
    const changed = generateRegistry()
      .filter(({ device_id }) => device_id !== 'dev-903')
      .map((entry) => (entry.device_id === 'dev-900' ? { ...entry, owner: 'logistics' } : entry));
    await writeRegistry(path.join(root, 'lake'), changed);
    try {
      await runPartition(deps, run);
      expect(await silentDevices()).toEqual(['dev-900', 'dev-901']);
      expect(await owners()).toContain('logistics: 1');
      expect(await owners()).toContain('facilities: 6');
    } finally {
      await writeRegistry(path.join(root, 'lake'), generateRegistry());
    }
  });

  describe('upserts by key (the realtime_device_window shape analytics-sink loads)', () => {
    const table: WarehouseTable = {
      name: 'realtime_device_window',
      columns: [
        { name: 'device_id', type: 'string', nullable: false },
        { name: 'window_start', type: 'timestamp', nullable: false },
        { name: 'readings', type: 'bigint', nullable: false },
        { name: 'temperature_avg', type: 'double', nullable: true },
      ],
      keyColumns: ['device_id', 'window_start'],
    };
    const rows = [
      { device_id: 'dev-1', window_start: '2026-03-01 10:00:00.000', readings: 3, temperature_avg: 20.5 },
      { device_id: 'dev-2', window_start: '2026-03-01 10:00:00.000', readings: 1, temperature_avg: null },
    ];
    const all = async () =>
      (
        await db.query(
          'SELECT device_id, readings, temperature_avg FROM realtime_device_window ORDER BY device_id',
        )
      ).rows;

    it('writes a replayed batch once and a corrected window in place', async () => {
      await warehouse.upsertRows({ table, rows });
      await warehouse.upsertRows({ table, rows });
      expect(await all()).toEqual([
        { device_id: 'dev-1', readings: 3, temperature_avg: 20.5 },
        { device_id: 'dev-2', readings: 1, temperature_avg: null },
      ]);
      await warehouse.upsertRows({ table, rows: [{ ...rows[0]!, readings: 4, temperature_avg: 21 }] });
      expect(await all()).toEqual([
        { device_id: 'dev-1', readings: 4, temperature_avg: 21 },
        { device_id: 'dev-2', readings: 1, temperature_avg: null },
      ]);
    });

    it('refuses rows outside the replaced scope and leaves the table untouched', async () => {
      const before = await all();
      await expect(
        warehouse.replaceRows({
          table,
          scope: { device_id: 'dev-1' },
          rows: [{ ...rows[1]! }],
        }),
      ).rejects.toThrow(WarehouseError);
      expect(await all()).toEqual(before);
    });
  });
});
