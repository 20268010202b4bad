import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { jsonLines, windowPartKey } from '../../analytics-sink/src/domain/realtime-lake';
import { WINDOW_PART_TABLE } from '../../analytics-sink/src/domain/realtime-tables';
import { DuckDbQueryEngine, FolderObjectStore } from '@pipeline/local/engines';
import type { WarehouseRow } from '@pipeline/shared/warehouse';
import { fixtureRows } from '../../../dashboard/tests/fixture';
import { copyManifest } from '../src/domain/manifest';
import { REPORTS_PREFIX, reportOutputKeys } from '../src/domain/layout';
import { toNdjson } from '../src/domain/rows';
import {
  quickSightDatasets,
  realtimeDatasetSql,
  reportGlueTable,
  reportTableFolder,
} from '../infra/quicksight/datasets';
import { loadReports } from '../src/reports';

const groupBy = <T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> => {
  const groups = new Map<string, T[]>();
  for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
  return groups;
};

/**
 * What QuickSight reads over Athena on a stage without a warehouse, read by the local engine with
 * the same definitions: the report Glue tables (columns, partitions from the folders, `_` files
 * skipped) over outputs written as report-runner writes them, and the real-time datasets' SQL.
 */
describe('the QuickSight datasets over Athena, on the local engine', () => {
  const fixture = fixtureRows();
  const reports = loadReports();
  const tables = reports.map(({ table }) => ({ relation: table.name, columns: table.columns }));
  let root: string;
  let engine: DuckDbQueryEngine;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'quicksight-datasets-'));
    const store = new FolderObjectStore(path.join(root, 'reports'));
    for (const report of reports) {
      const hours = groupBy(
        fixture.rows[report.name] ?? [],
        (row) => `${String(row.dt)} ${String(row.hour)}`,
      );
      for (const [hour, rows] of hours) {
        const keys = reportOutputKeys(report.name, { dt: hour.slice(0, 10), hour: hour.slice(11) });
        const body = toNdjson(
          report.table.columns.map(({ name }) => name),
          rows,
        );
        await store.put(keys.data, body);
        await store.put(keys.copyManifest, copyManifest(store.uri(keys.data), Buffer.byteLength(body)));
        await store.put(keys.runManifest, JSON.stringify({ report: report.name, rows: rows.length }));
      }
    }
    const realtime = new FolderObjectStore(path.join(root, 'realtime'));
    const parts = groupBy(fixture.rows[WINDOW_PART_TABLE.name]!, (row) =>
      windowPartKey(String(row.window_start), String(row.segment_id)),
    );
    for (const [key, rows] of parts) await realtime.put(key, gzipSync(jsonLines(WINDOW_PART_TABLE, rows)));
    engine = await DuckDbQueryEngine.create({
      lakeDir: path.join(root, 'lake'),
      realtimeDir: path.join(root, 'realtime'),
      reports: {
        dir: path.join(root, 'reports'),
        tables: tables.map((table) => {
          const glue = reportGlueTable(table);
          return {
            name: glue.relation,
            folder: reportTableFolder(REPORTS_PREFIX, glue.relation),
            columns: glue.columns,
          };
        }),
      },
    });
  }, 120_000);
  afterAll(async () => {
    engine?.close();
    await rm(root, { recursive: true, force: true });
  });

  it.each(['anomalies', 'site_hourly_summary', 'device_hourly_stats', 'data_quality'])(
    'reads the %s outputs through its Glue table: every row once, run files skipped, values as written',
    async (name) => {
      const report = reports.find((candidate) => candidate.name === name)!;
      const columns = report.table.columns.map(({ name: column }) => column);
      const { rows } = await engine.run({
        name: `quicksight-${name}`,
        sql: `SELECT ${columns.join(', ')} FROM ${report.table.name}`,
        parameters: [],
      });
      const expected = fixture.rows[name]!;
      expect(rows.length).toBe(expected.length);
      const key = (row: WarehouseRow) => JSON.stringify(columns.map((column) => row[column] ?? null));
      expect(rows.map(key).sort()).toEqual(expected.map(key).sort());
    },
  );

  it("runs the real-time windows dataset's query: only the newest dt partitions", async () => {
    const windows = quickSightDatasets(tables).find(({ relation }) => relation === 'realtime_device_window')!;
    const { rows } = await engine.run({
      name: 'quicksight-realtime-windows',
      sql: realtimeDatasetSql(windows, WINDOW_PART_TABLE.name, 24 * 365 * 10),
      parameters: [],
    });
    expect(rows.length).toBe(fixture.rows[WINDOW_PART_TABLE.name]!.length);
    expect(Object.keys(rows[0]!)).toEqual(windows.columns.map(({ name }) => name));
    const { rows: none } = await engine.run({
      name: 'quicksight-realtime-windows-today',
      sql: realtimeDatasetSql(windows, WINDOW_PART_TABLE.name, 0),
      parameters: [],
    });
    // The fixture's windows are of 2026-03-02: a lookback from today's date reads none of them.
    expect(none).toEqual([]);
  });
});
