import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { PGlite } from '@electric-sql/pglite';
import { readLake, type LakeFiles } from '../engines/duckdb-query-engine';
import { LOCAL_RESOURCES } from '../cloud/layout';
import { drain, folderStore, type LocalOps } from '../ops/local';
import type { KafkaShareTarget, LakeCounts, LakeTally, RealtimeCounts, SmokeTarget } from './ports';
import type { LocalCloud } from '../cloud/LocalCloud';

/**
 * The lake folder read by DuckDB, as Athena reads the Glue table: the run's rows by device, its
 * distinct event ids and hour partitions. The prefix is bound as a parameter, as in Athena.
 */
export const duckdbLakeCounts = (lakeDir: string, keys: () => AsyncIterable<string>): LakeCounts => ({
  async count(prefix) {
    const files: LakeFiles = { parquet: [], json: [] };
    for await (const key of keys())
      (key.endsWith('.gz') ? files.json : files.parquet).push(path.join(lakeDir, key));
    const tally: LakeTally = { rowsByDevice: {}, readings: 0, partitions: [] };
    if (files.parquet.length + files.json.length === 0) return tally;
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const statement = await connection.prepare(
        `SELECT device_id, dt, hour, count(*) AS records, count(DISTINCT event_id) AS readings
         FROM ${readLake(files)} AS lake WHERE device_id LIKE $1 GROUP BY device_id, dt, hour`,
      );
      statement.bind([`${prefix}%`]);
      const partitions = new Set<string>();
      const events = await connection.prepare(
        `SELECT count(DISTINCT event_id) AS readings FROM ${readLake(files)} AS lake WHERE device_id LIKE $1`,
      );
      events.bind([`${prefix}%`]);
      for (const row of (await statement.runAndReadAll()).getRowObjectsJS()) {
        const device = String(row.device_id);
        tally.rowsByDevice[device] = (tally.rowsByDevice[device] ?? 0) + Number(row.records);
        const partition = `${String(row.dt)}/${String(row.hour)}`;
        if (!partitions.has(partition)) {
          partitions.add(partition);
          tally.partitions.push({ dt: String(row.dt), hour: String(row.hour) });
        }
      }
      tally.readings = Number((await events.runAndReadAll()).getRowObjectsJS()[0]?.readings ?? 0);
      return tally;
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  },
});

/** The local real-time store: analytics-sink's tables in the PGlite warehouse. */
export const pgliteRealtimeCounts = (db: PGlite): RealtimeCounts => ({
  async count(prefix) {
    const pattern = `${prefix}%`;
    const windows = await db.query<{ events: number }>(
      'SELECT coalesce(sum(event_count), 0)::int AS events FROM realtime_device_window_part WHERE device_id LIKE $1',
      [pattern],
    );
    const alerts = await db.query<{ alerts: number }>(
      'SELECT count(*)::int AS alerts FROM realtime_alert WHERE device_id LIKE $1',
      [pattern],
    );
    return { windowEvents: windows.rows[0]?.events ?? 0, alerts: alerts.rows[0]?.alerts ?? 0 };
  },
});

/**
 * The local cloud's MSK path: the records are produced to the local cluster's topic, keyed by
 * device, and the local event source mapping hands them to msk-consumer when the cloud drains.
 */
export const localKafkaShare = (cloud: LocalCloud): KafkaShareTarget => ({
  route: `produced to topic ${LOCAL_RESOURCES.mskTopic} of the local MSK cluster (read by its event source mapping)`,
  async send(_runId, records, nowMs) {
    for (const { key, value, headers } of records)
      cloud.kafka.produce(LOCAL_RESOURCES.mskTopic, {
        key,
        value,
        headers: Object.fromEntries(headers),
        timestamp: nowMs,
      });
    return { problems: [] };
  },
  quarantine: folderStore(cloud.store, LOCAL_RESOURCES.quarantineBucket),
});

/**
 * A smoke target over a local cloud folder (opened by `withLocalCloud`): the hub is the
 * in-process Kinesis, the lake and the error prefix its folders, time the simulated clock.
 */
export const localSmokeTarget = (ops: LocalOps): SmokeTarget => {
  const { cloud } = ops;
  const ingest = folderStore(cloud.store, LOCAL_RESOURCES.ingestBucket);
  return {
    name: `the local cloud in ${cloud.settings.layout.root}`,
    now: () => cloud.clock.now(),
    hub: ops.hub,
    ingest,
    reports: folderStore(cloud.store, LOCAL_RESOURCES.reportsBucket),
    lake: duckdbLakeCounts(cloud.settings.layout.lakeDir, () => ingest.keys('raw/')),
    realtime: pgliteRealtimeCounts(cloud.db),
    kafka: localKafkaShare(cloud),
    notes: [],
    settle: () => drain(cloud),
    wait: async (ms) => {
      cloud.clock.advance(ms);
      await drain(cloud);
    },
  };
};
