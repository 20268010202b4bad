import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  CANONICAL_COLUMNS,
  eventIdFor,
  METRIC_NAMES,
  type CanonicalRecord,
  type ColumnName,
  type MetricName,
  type PartitionKeys,
} from '@pipeline/shared';
import { DUCKDB_TYPES } from '@pipeline/local/engines';

/** A canonical record plus the partition it is stored under. */
export type LakeRecord = CanonicalRecord & PartitionKeys;

/** Deterministic pseudo-random numbers (mulberry32), so a failing case can be reproduced. */
export const random = (seed: number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

const iso = (ms: number) => new Date(ms).toISOString();

export interface GeneratedLake {
  records: LakeRecord[];
  partitions: PartitionKeys[];
}

/**
 * Telemetry for `hours` consecutive hours from `start` (UTC): devices on three sites and some
 * without a site, missing metrics, out-of-threshold readings, late records and redelivered
 * duplicates (same event_id, later ingest time).
 */
export const generateTelemetry = ({
  start,
  hours,
  readingsPerHour,
  seed = 42,
}: {
  start: string;
  hours: number;
  readingsPerHour: number;
  seed?: number;
}): GeneratedLake => {
  const next = random(seed);
  const devices = Array.from({ length: 24 }, (_, index) => ({
    id: `dev-${String(index).padStart(3, '0')}`,
    site: index % 8 === 7 ? null : (['plant-a', 'plant-b', 'warehouse-c'][index % 3] ?? null),
  }));
  const records: LakeRecord[] = [];
  const partitions: PartitionKeys[] = [];
  const startMs = Date.parse(start);
  for (let hourIndex = 0; hourIndex < hours; hourIndex += 1) {
    const hourStart = startMs + hourIndex * 3_600_000;
    const partition = { dt: iso(hourStart).slice(0, 10), hour: iso(hourStart).slice(11, 13) };
    partitions.push(partition);
    for (let n = 0; n < readingsPerHour; n += 1) {
      const device = devices[Math.floor(next() * devices.length)] ?? devices[0]!;
      const eventMs = hourStart + Math.floor(next() * 3_600_000);
      const metric = (base: number, spread: number, outlier: number): number | null => {
        const roll = next();
        if (roll < 0.05) return null;
        if (roll < 0.07) return Math.round((base + outlier * (next() < 0.5 ? -1 : 1)) * 1e6) / 1e6;
        return Math.round((base + (next() - 0.5) * spread) * 1e6) / 1e6;
      };
      const metrics: Record<MetricName, number | null> = {
        temperature: metric(21, 20, 40),
        humidity: metric(50, 50, 45),
        pressure: metric(1000, 60, 90),
        battery: metric(60, 80, 55),
      };
      for (const name of METRIC_NAMES) {
        const value = metrics[name];
        if (value !== null)
          metrics[name] = Math.min(
            Math.max(value, name === 'pressure' ? 300 : name === 'temperature' ? -60 : 0),
            name === 'pressure' ? 1100 : name === 'temperature' ? 150 : 100,
          );
      }
      // Mostly a minute or two of Firehose buffering; one record in twenty arrives much later.
      const lateness =
        next() < 0.05 ? 900_000 + Math.floor(next() * 3_000_000) : 30_000 + Math.floor(next() * 120_000);
      const viaKafka = next() < 0.2;
      const present = Object.fromEntries(
        METRIC_NAMES.flatMap((name) => (metrics[name] === null ? [] : [[name, metrics[name]]])),
      );
      const record: LakeRecord = {
        event_id: eventIdFor(device.id, eventMs, present),
        device_id: device.id,
        site: device.site,
        firmware: next() < 0.5 ? '1.4.2' : null,
        latitude: null,
        longitude: null,
        event_time: iso(eventMs),
        ingest_time: iso(eventMs + lateness),
        source: viaKafka ? 'msk' : 'kinesis',
        schema_version: 1,
        ...metrics,
        kafka_topic: viaKafka ? 'telemetry' : null,
        kafka_partition: viaKafka ? Math.floor(next() * 6) : null,
        kafka_offset: viaKafka ? Math.floor(next() * 1e9) : null,
        registered: false,
        model: null,
        owner: null,
        location_label: null,
        install_date: null,
        ...partition,
      };
      records.push(record);
      // A redelivery: the same reading again, stored a few seconds later.
      if (next() < 0.03)
        records.push({ ...record, ingest_time: iso(Date.parse(record.ingest_time) + 5_000) });
    }
  }
  return { records, partitions };
};

/**
 * Writes records as Parquet with DuckDB itself, hive layout `raw/dt=.../hour=.../<file>.parquet`
 * under `lakeDir`, in `files` objects per partition (Firehose writes several per hour).
 */
export const writeLake = async (
  lakeDir: string,
  records: readonly LakeRecord[],
  { files = 2, tag = 'batch' } = {},
): Promise<void> => {
  const staging = await mkdtemp(path.join(tmpdir(), 'lake-json-'));
  await mkdir(path.join(lakeDir, 'raw'), { recursive: true });
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const columns = Object.keys(CANONICAL_COLUMNS) as ColumnName[];
    const casts = columns.map(
      (name) => `CAST("${name}" AS ${DUCKDB_TYPES[CANONICAL_COLUMNS[name].glueType]}) AS "${name}"`,
    );
    const jsonColumns = [
      ...columns.map((name) => `"${name}": 'VARCHAR'`),
      `"dt": 'VARCHAR'`,
      `"hour": 'VARCHAR'`,
    ].join(', ');
    for (let file = 0; file < files; file += 1) {
      const part = records.filter((_, index) => index % files === file);
      if (part.length === 0) continue;
      const json = path.join(staging, `${file}.ndjson`);
      await writeFile(json, part.map((record) => JSON.stringify(record)).join('\n'));
      await connection.run(
        `COPY (SELECT ${casts.join(', ')}, dt, hour FROM read_json('${json}', format = 'newline_delimited', columns = {${jsonColumns}})) ` +
          `TO '${path.join(lakeDir, 'raw')}' (FORMAT parquet, PARTITION_BY (dt, hour), APPEND, FILENAME_PATTERN '${tag}-${file}-{uuid}')`,
      );
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
    await rm(staging, { recursive: true, force: true });
  }
};
