import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { WarehouseTable } from '@pipeline/shared/warehouse';
import { DUCKDB_TYPES, FolderObjectStore } from '@pipeline/local/engines';
import { LakeRealtimeStore } from '../src/adapters/lake-realtime-store';
import type { ThresholdAlert } from '../src/domain/alerts';
import { flushSegment, type AlertPublisher } from '../src/domain/flush-segment';
import type { SegmentFlush } from '../src/domain/process-window';
import { realtimeTablePrefix } from '../src/domain/realtime-lake';
import {
  ALERT_TABLE,
  WINDOW_PART_TABLE,
  WINDOW_VIEW_NAME,
  WINDOW_VIEW_SQL,
} from '../src/domain/realtime-tables';
import { WINDOW_VIEW_COLUMNS } from '../src/domain/realtime-view';
import { loadEvent } from './events';
import { invoke } from './scenario';
import { sinkSettings } from './settings';

const NOW = Date.parse('2026-11-25T08:01:02.345Z');
const finalFlush = (): SegmentFlush => invoke(loadEvent('window-4-final'), sinkSettings()).flush!;

class RecordingPublisher implements AlertPublisher {
  readonly sent: ThresholdAlert[] = [];
  async publish(alert: ThresholdAlert): Promise<void> {
    this.sent.push(alert);
  }
}

const filesUnder = async (folder: string): Promise<string[]> =>
  (await readdir(folder, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(folder, path.join(entry.parentPath, entry.name)))
    .sort();

/** A DuckDB view over a table's objects, with the table definition's columns (as the Glue table has). */
const createView = async (sql: DuckDBConnection, root: string, table: WarehouseTable) => {
  const columns = table.columns
    .map(({ name, type }) => `${name}: '${DUCKDB_TYPES[type as keyof typeof DUCKDB_TYPES]}'`)
    .join(', ');
  const files = path.join(root, realtimeTablePrefix(table), '**', '*.json.gz');
  await sql.run(
    `CREATE VIEW ${table.name} AS SELECT * FROM read_json('${files}', format = 'newline_delimited', columns = {${columns}}, hive_partitioning = true, hive_types_autocast = false)`,
  );
};

describe('LakeRealtimeStore (warehouse=none) over a bucket folder, read by DuckDB', () => {
  let root: string;
  let sql: DuckDBConnection;
  let duck: DuckDBInstance;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'realtime-lake-'));
    duck = await DuckDBInstance.create(':memory:');
    sql = await duck.connect();
  });
  afterEach(async () => {
    sql.closeSync();
    duck.closeSync();
    await rm(root, { recursive: true, force: true });
  });

  it('writes one object per segment and one per alert under dt=/hour=, and a replay rewrites the same keys', async () => {
    const store = new LakeRealtimeStore(new FolderObjectStore(root));
    const publisher = new RecordingPublisher();
    const segment = finalFlush();

    const first = await flushSegment(segment, { store, publisher, now: () => NOW });
    const written = await filesUnder(root);
    const replay = await flushSegment(segment, { store, publisher, now: () => NOW + 60_000 });

    expect(first).toEqual({ rowsWritten: 4, alertsPublished: 2, alertsAlreadySent: 0 });
    // The replay finds both alerts recorded: nothing is sent twice, and no object is added.
    expect(replay).toEqual({ rowsWritten: 4, alertsPublished: 0, alertsAlreadySent: 2 });
    expect(publisher.sent).toHaveLength(2);
    expect(await filesUnder(root)).toEqual(written);
    expect(written).toHaveLength(3);
    for (const key of written)
      expect(key).toMatch(/^realtime\/realtime_[a-z_]+\/dt=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/[^/]+\.json\.gz$/);

    await createView(sql, root, WINDOW_PART_TABLE);
    await createView(sql, root, ALERT_TABLE);
    const parts = (
      await sql.runAndReadAll(
        `SELECT device_id, CAST(window_start AS VARCHAR) AS window_start, segment_id, event_count, CAST(written_at AS VARCHAR) AS written_at, dt, hour FROM ${WINDOW_PART_TABLE.name} ORDER BY device_id`,
      )
    ).getRowObjectsJson();
    expect(parts).toHaveLength(4);
    const expected = [...segment.rows].sort((a, b) => String(a.device_id).localeCompare(String(b.device_id)));
    parts.forEach((row, index) => {
      expect(row.device_id).toBe(expected[index]!.device_id);
      expect(row.segment_id).toBe(segment.segmentId);
      expect(Number(row.event_count)).toBe(expected[index]!.event_count);
      // The replay's rows replaced the first attempt's: one row per device, the newer write time.
      expect(row.written_at).toBe('2026-11-25 08:02:02.345');
      expect(`${String(row.dt)} ${String(row.hour)}`).toBe(String(row.window_start).slice(0, 13));
    });
    const alerts = (
      await sql.runAndReadAll(`SELECT alert_id FROM ${ALERT_TABLE.name} ORDER BY alert_id`)
    ).getRowObjectsJson();
    expect(alerts.map(({ alert_id }) => alert_id)).toEqual(
      segment.alerts.map(({ alertId }) => alertId).sort(),
    );
  });

  it('serves the merged-window view with the columns the Athena view declares', async () => {
    await flushSegment(finalFlush(), {
      store: new LakeRealtimeStore(new FolderObjectStore(root)),
      publisher: new RecordingPublisher(),
      now: () => NOW,
    });
    await createView(sql, root, WINDOW_PART_TABLE);
    await sql.run(`CREATE VIEW ${WINDOW_VIEW_NAME} AS ${WINDOW_VIEW_SQL}`);

    const result = await sql.runAndReadAll(`SELECT * FROM ${WINDOW_VIEW_NAME}`);

    expect(result.columnNames()).toEqual(WINDOW_VIEW_COLUMNS.map(({ name }) => name));
    expect(result.getRowObjectsJson()).toHaveLength(4);
  });
});
