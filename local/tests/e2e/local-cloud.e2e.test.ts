import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { DEFAULT_REGISTRY_KEY, parseRegistry } from '@pipeline/shared/registry';
import { METRIC_NAMES } from '@pipeline/shared';
import { reportOutputKeys, loadReports } from '@pipeline/report-runner';
import type { RunOptions, RunResult } from '../../src/cloud/run';
import { HUB_BAD_RECORD_KINDS, KAFKA_BAD_RECORD_KINDS } from '../../src/simulators/bad-records';
import { E2E_SETUP_TIMEOUT_MS, Scratch } from '../scratch';
import { booksFailedByReason, quarantineByReason as quarantineOf } from './quarantine';
import { lakePartitions, reportRows } from './report-files';

// The whole local cloud, twice in one folder: a run of three hours of event time across midnight
// through the API, then one more hour through the real CLI (`npm start`), continuing where the
// first stopped. No mocks: the four services' handlers, DuckDB and PGlite.
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
// What `npm start` runs: local/src/cli.ts from its cached bundle (rebuilt when a source changed).
const CLI = path.join(REPO_ROOT, 'local', 'start.cjs');
const HOUR_MS = 3_600_000;
const START = Date.UTC(2026, 2, 1, 22, 0);
const reports = loadReports();
const scratch = new Scratch();

let root: string;
let first: RunResult;
let quarantineByReason: Record<string, number>;
let cliOutput: string;
let db: PGlite;

const options = (overrides: Partial<RunOptions> = {}): RunOptions => ({
  root,
  devices: 40,
  rate: 0.5,
  durationMs: 3 * HOUR_MS,
  startMs: START,
  badShare: 0.05,
  kafkaShare: 0.3,
  duplicateShare: 0.03,
  lateShare: 0.01,
  heartbeatShare: 0.01,
  format: 'parquet',
  seed: 'e2e',
  ...overrides,
});

const total = (counts: Record<string, number>) =>
  Object.values(counts).reduce((sum, value) => sum + value, 0);

const query = async <T>(sql: string): Promise<T[]> => (await db.query<T>(sql)).rows;

beforeAll(async () => {
  root = await scratch.folder('local-cloud-e2e-');
  first = await scratch.run(options());
  // Before the CLI run adds its own rejections to the folder.
  quarantineByReason = await quarantineOf(root);
  const { stdout } = await scratch.track(
    promisify(execFile)(
      process.execPath,
      [
        CLI,
        '--out',
        root,
        '--devices',
        '40',
        '--rate',
        '0.5',
        '--duration',
        '1h',
        '--seed',
        'e2e',
        '--bad-share',
        '0.05',
        '--kafka-share',
        '0.3',
        '--duplicate-share',
        '0.03',
        '--late-share',
        '0.01',
        '--quiet',
      ],
      { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, signal: scratch.signal },
    ),
  );
  cliOutput = stdout;
  db = await PGlite.create(path.join(root, 'warehouse'));
}, E2E_SETUP_TIMEOUT_MS);

afterAll(async () => {
  await db?.close();
  await scratch.dispose();
});

describe('the local cloud, end to end', () => {
  it('accounts for every message of every source: produced = delivered + dropped + failed', () => {
    expect(first.problems).toEqual([]);
    expect(first.fleet.messages).toBeGreaterThan(5000);
    expect(first.summary.endMs - first.summary.startMs).toBeGreaterThanOrEqual(3 * HOUR_MS);
    for (const source of Object.values(first.summary.sources)) {
      expect(source.produced).toBeGreaterThan(0);
      expect(source.delivered + total(source.dropped) + total(source.failed)).toBe(source.produced);
    }
    const { devices, kafka } = first.summary.sources;
    expect(devices.delivered + kafka.delivered).toBe(first.summary.deliveredToLake);
    expect(kafka.delivered).toBe(first.summary.forwardedFromKafka);
    // Every kind of broken message was produced and rejected for its own reason.
    expect(Object.keys(devices.failed).sort()).toEqual([...HUB_BAD_RECORD_KINDS].sort());
    expect(Object.keys(kafka.failed).sort()).toEqual([...KAFKA_BAD_RECORD_KINDS].sort());
    expect(devices.dropped).toEqual({ heartbeat: expect.any(Number) });
    // Duplicates reached the lake and were counted once downstream.
    expect(first.fleet.duplicates).toBeGreaterThan(0);
    expect(first.summary.duplicatesRemoved).toBe(first.fleet.duplicates);
    expect(first.summary.realtimeDuplicatesSkipped).toBe(first.fleet.duplicates);
    expect(first.summary.queues).toEqual({ runs: 0, deadLetter: 0, sinkFailures: 0, mskFailures: 0 });
  });

  it("keeps every rejected record queryable by SQL: the quarantine by reason is the books' failures", () => {
    expect(total(quarantineByReason)).toBeGreaterThan(0);
    expect(quarantineByReason).toEqual(booksFailedByReason(first));
  });

  it("reports the quarantine by reason per hour into the warehouse: the first run's hours total the books' failures", async () => {
    // The first run's hours (received time); the CLI run continues with the next hour.
    const lastHour = new Date(START + 3 * HOUR_MS).toISOString().slice(0, 13).replace('T', ' ');
    const rows = await query<{ reason: string; rejected: string }>(
      `SELECT reason, sum(rejected)::text AS rejected FROM report_quarantine_by_reason
       WHERE to_char(dt, 'YYYY-MM-DD') || ' ' || hour < '${lastHour}' GROUP BY reason`,
    );
    const reported = Object.fromEntries(rows.map(({ reason, rejected }) => [reason, Number(rejected)]));
    expect(total(reported)).toBeGreaterThan(0);
    expect(reported).toEqual(booksFailedByReason(first));
  });

  it('enriches the lake from the fleet registry it places in the bucket: registered and unregistered counted', async () => {
    const registry = parseRegistry(
      await readFile(path.join(root, 'local-ingest', DEFAULT_REGISTRY_KEY), 'utf8'),
      'jsonl',
    );
    // 40 devices, 5% (2) left out of the registry.
    expect(registry.size).toBe(38);
    expect(first.summary.registry).toEqual({
      devices: 38,
      unregisteredDevices: 2,
      records: { registered: expect.any(Number), unregistered: expect.any(Number) },
    });
    const { registered, unregistered } = first.summary.registry!.records;
    expect(registered + unregistered).toBe(first.summary.deliveredToLake);
    expect(unregistered).toBeGreaterThan(0);
    expect(registered).toBeGreaterThan(unregistered * 5);
    // The books (problems, empty) also check that no row's flag disagrees with the registry.
    expect(cliOutput).toMatch(
      /device registry:\s+38 devices registered, 2 unregistered; lake rows [\d,]+ registered, [\d,]+ unregistered/,
    );
  });

  it('continues in the same folder through the CLI, and its books balance too', () => {
    expect(cliOutput).toMatch(/balanced\s+yes\s+yes/);
    expect(cliOutput).toMatch(/Local cloud run: 2026-03-02 01:00 -> 2026-03-02 02:0\d UTC/);
  });

  it('has every report for every hour partition the lake holds', async () => {
    const partitions = await lakePartitions(root);
    // 22:00 to 02:00 across midnight, plus the hour before for late readings of the first minutes.
    expect(partitions).toEqual(
      expect.arrayContaining(['2026-03-01/22', '2026-03-01/23', '2026-03-02/00', '2026-03-02/01']),
    );
    for (const partition of partitions) {
      const [dt = '', hour = ''] = partition.split('/');
      for (const report of reports) {
        const manifest = path.join(
          root,
          'local-reports',
          reportOutputKeys(report.name, { dt, hour }).runManifest,
        );
        await expect(readFile(manifest, 'utf8')).resolves.toContain(`"${report.name}"`);
      }
    }
  });

  it('holds exactly the report rows in the warehouse, partition by partition, after both runs', async () => {
    for (const report of reports) {
      const files = await reportRows(root, report.name);
      const loaded = await query<{ partition: string; rows: number }>(
        `SELECT to_char(dt, 'YYYY-MM-DD') || '/' || hour AS partition, count(*)::int AS rows
         FROM ${report.table.name} GROUP BY 1 ORDER BY 1`,
      );
      const inFiles = Object.fromEntries([...files].filter(([, rows]) => rows > 0));
      expect({
        report: report.name,
        rows: Object.fromEntries(loaded.map((row) => [row.partition, row.rows])),
      }).toEqual({
        report: report.name,
        rows: inFiles,
      });
    }
  });

  it('agrees between the speed and batch layers: real-time windows summed per device-hour equal the hourly report', async () => {
    // Windows are assigned by hub arrival, reports by event time. A reading that arrived in a
    // later hour than it happened (late, or forwarded from Kafka just after the hour) moves its
    // window's device-hour; those device-hours are compared in total only.
    const windows = await query<Record<string, number | string | null>>(
      `SELECT device_id,
              to_char(window_start, 'YYYY-MM-DD/HH24') AS hour,
              to_char(first_event_time, 'YYYY-MM-DD/HH24') AS first_hour,
              event_count,
              ${METRIC_NAMES.map((m) => `${m}_count, ${m}_min, ${m}_max, ${m}_sum`).join(', ')}
       FROM realtime_device_window_part`,
    );
    const batch = await query<Record<string, number | string | null>>(
      `SELECT device_id, to_char(dt, 'YYYY-MM-DD') || '/' || hour AS hour, readings,
              ${METRIC_NAMES.map((m) => `${m}_min, ${m}_avg, ${m}_max`).join(', ')}
       FROM report_device_hourly_stats`,
    );
    type Aggregate = { readings: number } & Record<string, number>;
    const speed = new Map<string, Aggregate>();
    const moved = new Set<string>();
    for (const row of windows) {
      const key = `${row.device_id} ${row.hour}`;
      if (row.first_hour !== row.hour) {
        moved.add(key);
        moved.add(`${row.device_id} ${row.first_hour}`);
      }
      const aggregate = speed.get(key) ?? ({ readings: 0 } as Aggregate);
      aggregate.readings += Number(row.event_count);
      for (const metric of METRIC_NAMES) {
        const count = Number(row[`${metric}_count`]);
        if (count === 0) continue;
        aggregate[`${metric}_count`] = (aggregate[`${metric}_count`] ?? 0) + count;
        aggregate[`${metric}_sum`] = (aggregate[`${metric}_sum`] ?? 0) + Number(row[`${metric}_sum`]);
        aggregate[`${metric}_min`] = Math.min(
          aggregate[`${metric}_min`] ?? Infinity,
          Number(row[`${metric}_min`]),
        );
        aggregate[`${metric}_max`] = Math.max(
          aggregate[`${metric}_max`] ?? -Infinity,
          Number(row[`${metric}_max`]),
        );
      }
      speed.set(key, aggregate);
    }

    let compared = 0;
    for (const row of batch) {
      const key = `${row.device_id} ${row.hour}`;
      if (moved.has(key)) continue;
      const aggregate = speed.get(key);
      expect({ key, readings: aggregate?.readings }).toEqual({ key, readings: Number(row.readings) });
      for (const metric of METRIC_NAMES) {
        if (row[`${metric}_avg`] === null) {
          expect(aggregate?.[`${metric}_count`]).toBeUndefined();
          continue;
        }
        expect(aggregate?.[`${metric}_min`]).toBe(Number(row[`${metric}_min`]));
        expect(aggregate?.[`${metric}_max`]).toBe(Number(row[`${metric}_max`]));
        const average = (aggregate?.[`${metric}_sum`] ?? NaN) / (aggregate?.[`${metric}_count`] ?? NaN);
        expect(average).toBeCloseTo(Number(row[`${metric}_avg`]), 5);
      }
      compared += 1;
    }
    // Most device-hours are compared exactly, and the totals agree everywhere.
    expect(compared).toBeGreaterThan(batch.length * 0.5);
    expect([...speed.keys()].filter((key) => !moved.has(key)).length).toBe(compared);
    const speedTotal = [...speed.values()].reduce((sum, { readings }) => sum + readings, 0);
    const batchTotal = batch.reduce((sum, row) => sum + Number(row.readings), 0);
    expect(speedTotal).toBe(batchTotal);
  });
});
