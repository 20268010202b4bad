import { DuckDBInstance } from '@duckdb/node-api';
import { PGlite } from '@electric-sql/pglite';
import { loadReports, reportsDirectory } from '@pipeline/report-runner';
import type { RunOptions, RunResult } from '../../src/cloud/run';
import { localLayout } from '../../src/cloud/layout';
import { listLakeFiles, readLake, type LakeFiles } from '../../src/engines/duckdb-query-engine';
import { DeviceFleet, type DeviceMessage } from '../../src/simulators/DeviceFleet';
import { E2E_SETUP_TIMEOUT_MS, Scratch } from '../scratch';
import { withCo2Schema, writeCo2Reports } from '../schema-evolution/co2-schema';
import { lakePartitions, reportRows } from './report-files';

// The worked example of docs/SCHEMA.md: the local cloud on the released schema, then, in the same
// folders, on a schema with one added metric (co2_ppm, a test fixture) as a deployment of it runs,
// with devices sending the new metric and re-sending readings from before the change.
const HOUR_MS = 3_600_000;
const START = Date.UTC(2026, 3, 1, 8, 0);
const FIRST_HOURS = 2;
const RESENT = 30;
const reports = loadReports();
const scratch = new Scratch();

let root: string;
let first: RunResult;
let second: RunResult;
let resent: DeviceMessage[];
let oldFiles: LakeFiles;
let allFiles: LakeFiles;
let db: PGlite;

const options = (overrides: Partial<RunOptions> = {}): RunOptions => ({
  root,
  devices: 24,
  rate: 0.4,
  durationMs: FIRST_HOURS * HOUR_MS,
  startMs: START,
  badShare: 0.03,
  kafkaShare: 0.3,
  duplicateShare: 0.03,
  lateShare: 0.01,
  heartbeatShare: 0.01,
  format: 'parquet',
  seed: 'schema-evolution',
  ...overrides,
});

/** Hub readings the first run's devices sent (the same fleet, replayed from the seed). */
const firstRunReadings = (run: RunOptions): DeviceMessage[] => {
  const fleet = new DeviceFleet({ ...run, startMs: START, endMs: START + FIRST_HOURS * HOUR_MS });
  const readings: DeviceMessage[] = [];
  for (let at = fleet.peekTime(); at !== undefined; at = fleet.peekTime())
    readings.push(...fleet.take(at).filter(({ kind, path }) => kind === 'reading' && path === 'hub'));
  const every = Math.floor(readings.length / RESENT);
  return readings.filter((_, index) => index % every === 0).slice(0, RESENT);
};

const lakeQuery = async <T>(files: LakeFiles, select: string): Promise<T[]> => {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(`${select.replaceAll('$lake', readLake(files))}`);
    return reader.getRowObjectsJS() as T[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
};

const query = async <T>(sql: string): Promise<T[]> => (await db.query<T>(sql)).rows;

beforeAll(async () => {
  root = await scratch.folder('schema-evolution-e2e-');
  first = await scratch.run(options());
  const lakeDir = localLayout(root).lakeDir;
  oldFiles = (await listLakeFiles(lakeDir))!;
  resent = firstRunReadings(options());
  // The deployment of the co2 schema: its metrics, and device_hourly_stats extended to report it.
  const co2Reports = await scratch.folder('schema-evolution-reports-');
  await writeCo2Reports(reportsDirectory(), co2Reports);
  const releasedReports = process.env.REPORTS_SQL_DIR;
  process.env.REPORTS_SQL_DIR = co2Reports;
  try {
    second = await withCo2Schema(async () => {
      const { runLocalCloud } = await import('../../src/cloud/run');
      return scratch.track(
        // No late readings on the new schema: every co2 reading then has an event time after the change.
        runLocalCloud(options({ startMs: undefined, durationMs: HOUR_MS, lateShare: 0, resend: resent }), {
          signal: scratch.signal,
        }),
      );
    });
  } finally {
    if (releasedReports === undefined) delete process.env.REPORTS_SQL_DIR;
    else process.env.REPORTS_SQL_DIR = releasedReports;
  }
  allFiles = (await listLakeFiles(lakeDir))!;
  db = await PGlite.create(localLayout(root).warehouseDir);
}, E2E_SETUP_TIMEOUT_MS);

afterAll(async () => {
  await db?.close();
  await scratch.dispose();
});

describe('adding a metric, end to end (docs/SCHEMA.md, worked example)', () => {
  it('balances the books of both runs, the resent pre-change readings included', () => {
    expect(first.problems).toEqual([]);
    expect(second.problems).toEqual([]);
    expect(resent).toHaveLength(RESENT);
    expect(second.fleet.resent).toBe(RESENT);
    expect(second.summary.startMs).toBeGreaterThanOrEqual(START + FIRST_HOURS * HOUR_MS);
    // The resent copies are not duplicates within the second run's objects: they repeat the first's.
    expect(second.summary.duplicatesRemoved).toBe(second.fleet.duplicates);
  });

  it('stores the resent readings again, and counts each reading once: event ids did not change', async () => {
    const [lake] = await lakeQuery<{ rows: bigint; readings: bigint; twice: bigint }>(
      allFiles,
      `SELECT count(*) AS rows, count(DISTINCT event_id) AS readings,
              (SELECT count(*) FROM (SELECT event_id FROM $lake GROUP BY event_id HAVING count(*) > 1)) AS twice
       FROM $lake`,
    );
    const rows = first.summary.deliveredToLake + second.summary.deliveredToLake;
    const copies = first.fleet.duplicates + second.fleet.duplicates + RESENT;
    expect(Number(lake!.rows)).toBe(rows);
    expect(Number(lake!.readings)).toBe(rows - copies);
    expect(Number(lake!.twice)).toBe(copies);
    // Reports count each reading once, wherever its copies landed.
    const [reported] = await query<{ readings: number }>(
      'SELECT sum(readings)::int AS readings FROM report_device_hourly_stats',
    );
    expect(reported!.readings).toBe(rows - copies);
  });

  it('reads the old lake files with co2_ppm NULL next to the new ones that carry it', async () => {
    const [old] = await lakeQuery<{ columns: bigint }>(
      oldFiles,
      `SELECT count(*) AS columns FROM (DESCRIBE SELECT * FROM $lake) WHERE column_name = 'co2_ppm'`,
    );
    expect(Number(old!.columns)).toBe(0);
    const [lake] = await lakeQuery<{ measured: bigint; fresh: bigint; before: bigint }>(
      allFiles,
      `SELECT count(co2_ppm) AS measured,
              count(*) FILTER (WHERE epoch_ms(event_time) >= ${second.summary.startMs}) AS fresh,
              count(co2_ppm) FILTER (WHERE epoch_ms(event_time) < ${second.summary.startMs}) AS before
       FROM $lake`,
    );
    // Every reading sent on the co2 schema carries it; none of the earlier ones (resent or not) do.
    expect(Number(lake!.measured)).toBeGreaterThan(0);
    expect(Number(lake!.before)).toBe(0);
    expect(Number(lake!.measured)).toBe(Number(lake!.fresh));
  });

  it('has every report for every hour of both runs, co2 reported from the change on', async () => {
    const partitions = await lakePartitions(root);
    const firstHours = partitions.filter((partition) => first.summary.lake.partitions.includes(partition));
    expect(firstHours.length).toBeGreaterThanOrEqual(FIRST_HOURS);
    expect(partitions.length).toBeGreaterThan(firstHours.length);
    const stats = await query<{ partition: string; readings: number; measured: number }>(
      `SELECT to_char(dt, 'YYYY-MM-DD') || '/' || hour AS partition, count(*)::int AS readings,
              count(co2_ppm_avg)::int AS measured
       FROM report_device_hourly_stats GROUP BY 1 ORDER BY 1`,
    );
    expect(stats.map(({ partition }) => partition)).toEqual(partitions);
    const changeHour = new Date(second.summary.startMs).toISOString().slice(0, 13).replace('T', '/');
    for (const row of stats) {
      if (row.partition < changeHour) expect(row).toMatchObject({ measured: 0 });
      else expect(row.measured).toBeGreaterThan(0);
    }
  });

  it('added the co2 columns to the warehouse tables, which hold exactly the report rows', async () => {
    const columns = await query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns
       WHERE table_name = 'report_device_hourly_stats' AND column_name LIKE 'co2_ppm%' ORDER BY 1`,
    );
    expect(columns.map(({ column_name }) => column_name)).toEqual([
      'co2_ppm_avg',
      'co2_ppm_max',
      'co2_ppm_min',
    ]);
    for (const report of reports) {
      const files = await reportRows(root, report.name);
      const loaded = await query<{ partition: string; rows: number }>(
        `SELECT to_char(dt, 'YYYY-MM-DD') || '/' || hour AS partition, count(*)::int AS rows
         FROM ${report.table.name} GROUP BY 1 ORDER BY 1`,
      );
      expect({
        report: report.name,
        rows: Object.fromEntries(loaded.map((row) => [row.partition, row.rows])),
      }).toEqual({
        report: report.name,
        rows: Object.fromEntries([...files].filter(([, rows]) => rows > 0)),
      });
    }
  });
});
