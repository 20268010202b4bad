import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { alertKey, jsonLines, windowPartKey, ALERT_TABLE, WINDOW_PART_TABLE } from '@pipeline/analytics-sink';
import { DuckDbQueryEngine, FolderObjectStore } from '@pipeline/local/engines';
import type { PostgresWarehouse, WarehouseRow } from '@pipeline/shared/warehouse';
import { buildDashboard, reportRowsDashboardSource } from '@pipeline/dashboard';
import { asReadFromWarehouse, fixtureRows, fixtureWarehouse, NOW } from '../../../dashboard/tests/fixture';
import {
  REALTIME_LOOKBACK_HOURS,
  realtimeTablesReader,
  reportOutputsReader,
} from '../src/domain/dashboard-stores';
import { reportOutputKeys } from '../src/domain/layout';

const REPORTS = [
  'device_hourly_stats',
  'site_hourly_summary',
  'anomalies',
  'data_quality',
  'quarantine_by_reason',
];
const hourOf = ({ dt, hour }: WarehouseRow) => `${String(dt)} ${String(hour)}`;
const groupBy = <T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> => {
  const groups = new Map<string, T[]>();
  for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
  return groups;
};

/**
 * The dashboard of a stage without a warehouse, over the local engines: the fixture the warehouse
 * dashboard test uses, written the way the pipeline writes it without a warehouse (report outputs
 * by report-runner, gzip JSON Lines of the real-time tables by analytics-sink), read through
 * DuckDB (Athena's stand-in, which refuses SQL Athena would refuse) and the reports folder.
 */
describe('the dashboard from report outputs and real-time tables (no warehouse), over DuckDB', () => {
  const fixture = fixtureRows();
  let root: string;
  let reports: FolderObjectStore;
  let engine: DuckDbQueryEngine;
  let warehouse: PostgresWarehouse | undefined;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'dashboard-stores-'));
    reports = new FolderObjectStore(path.join(root, 'reports'));
    const realtime = new FolderObjectStore(path.join(root, 'realtime'));
    for (const name of REPORTS) {
      for (const [hour, rows] of groupBy(fixture.rows[name]!, hourOf)) {
        const keys = reportOutputKeys(name, { dt: hour.slice(0, 10), hour: hour.slice(11) });
        await reports.put(keys.data, rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
        await reports.put(keys.runManifest, '{}\n');
      }
    }
    // One object per segment and window, one per alert, as analytics-sink writes them.
    const parts = groupBy(fixture.rows.realtime_device_window_part!, (row) =>
      windowPartKey(String(row.window_start), String(row.segment_id)),
    );
    for (const [key, rows] of parts) await realtime.put(key, gzipSync(jsonLines(WINDOW_PART_TABLE, rows)));
    for (const alert of fixture.rows.realtime_alert!)
      await realtime.put(
        alertKey(String(alert.window_start), String(alert.alert_id)),
        gzipSync(jsonLines(ALERT_TABLE, [alert])),
      );
    engine = await DuckDbQueryEngine.create({
      lakeDir: path.join(root, 'lake'),
      realtimeDir: path.join(root, 'realtime'),
    });
  }, 120_000);
  afterAll(async () => {
    await engine?.close();
    await warehouse?.close();
    await rm(root, { recursive: true, force: true });
  });

  const source = (reader = reportOutputsReader(reports)) =>
    reportRowsDashboardSource(
      realtimeTablesReader(
        engine,
        { windowParts: WINDOW_PART_TABLE.name, alerts: ALERT_TABLE.name },
        { lookbackHours: REALTIME_LOOKBACK_HOURS, clock: () => NOW },
      ),
      reader,
    );

  it('gives the model the warehouse gives for the same rows, its SQL running in the engine that stands in for Athena', async () => {
    const { model } = await buildDashboard({ source: source(), now: NOW, environment: 'test' });
    expect(model.problems).toEqual([]);
    warehouse = await fixtureWarehouse(fixture);
    const fromWarehouse = await buildDashboard({ warehouse, now: NOW, environment: 'test' });
    expect(asReadFromWarehouse(model)).toEqual(fromWarehouse.model);
  }, 120_000);

  it('reads an hour only once its run manifest is written (the run completed), and only the hours charted', async () => {
    const { model } = await buildDashboard({ source: source(), now: NOW });
    const newest = model.coverage.reports!.to;
    // A run of the next hour that has written its rows but not yet its manifest.
    const next = new Date(Date.parse(`${newest.replace(' ', 'T')}:00Z`) + 3_600_000).toISOString();
    const keys = reportOutputKeys('data_quality', { dt: next.slice(0, 10), hour: next.slice(11, 13) });
    await reports.put(
      keys.data,
      `${JSON.stringify({ ...fixture.rows.data_quality![0], dt: next.slice(0, 10), hour: next.slice(11, 13) })}\n`,
    );
    const read: string[] = [];
    const outputs = reportOutputsReader({
      list: (prefix, startAfter, limit) => reports.list(prefix, startAfter, limit),
      get: (key) => {
        read.push(key);
        return reports.get(key);
      },
    });
    const after = await buildDashboard({ source: source(outputs), now: NOW });
    expect(after.model.coverage.reports).toEqual(model.coverage.reports);
    expect(read).not.toContain(keys.data);
    // The fixture holds more hours than are charted: older outputs are not read.
    const charted = model.coverage.reportCharts!.hours;
    expect(model.coverage.reports!.hours).toBeGreaterThan(charted);
    expect(read.filter((key) => key.startsWith('reports/data_quality/'))).toHaveLength(charted);
  }, 120_000);
});
