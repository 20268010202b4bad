import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  DEFAULT_REGISTRY_KEY,
  DeviceRegistryEntrySchema,
  serialiseRegistry,
} from '@pipeline/shared/registry';
import { glueColumns, type ColumnName } from '@pipeline/shared';
import { DuckDbQueryEngine, type QueryProfile, DUCKDB_TYPES } from '@pipeline/local/engines';
import { LAKE_RELATION, reportQuery, loadReports } from '@pipeline/report-runner';
import { machine, median, table } from './lib/harness';

/**
 * Report SQL on DuckDB over generated lakes of 10k, 100k and 1M rows per hour (several hours, two
 * days, several objects per hour like Firehose writes): per report, the time to report one
 * partition and what DuckDB's profile says it read (the files, and so their bytes) against the whole
 * lake.
 * Every report must read only the files of its own hour partition.
 *
 * npm run bench:reports [-- --rows=10000,100000,1000000 --hours=4 --files=6 --rounds=3]
 */

const args = new Map(
  process.argv.slice(2).map((arg) => {
    const [key = '', value = 'true'] = arg.replace(/^--/, '').split('=');
    return [key, value] as const;
  }),
);
const SCALES = (args.get('rows') ?? '10000,100000,1000000').split(',').map(Number);
const HOURS = Number(args.get('hours') ?? 4);
const FILES_PER_HOUR = Number(args.get('files') ?? 6);
const ROUNDS = Number(args.get('rounds') ?? 3);
/** Across midnight, so the lake holds two `dt` values and both partition keys must prune. */
const START = Date.UTC(2026, 2, 1, 22);
const DEVICES = 1000;
const MB = 1024 * 1024;

/**
 * Deterministic row values from the row number `i` (DuckDB's `hash` of it): devices on 25 sites,
 * 5% of metrics missing, 2% out of range for the anomalies report, 1% redelivered duplicates (the
 * previous row's event id), 20% through MSK, 5% late by 15-65 minutes.
 */
const GENERATORS: Record<ColumnName, string> = {
  event_id: `md5(CAST(CASE WHEN hash(i, 'dup') % 100 = 0 THEN i - 1 ELSE i END AS VARCHAR) || '@' || h)`,
  device_id: `'dev-' || lpad(CAST(hash(i, 'device') % ${DEVICES} AS VARCHAR), 4, '0')`,
  site: `CASE WHEN hash(i, 'device') % ${DEVICES} % 40 = 39 THEN NULL ELSE 'site-' || CAST(hash(i, 'device') % ${DEVICES} % 25 AS VARCHAR) END`,
  firmware: `CASE WHEN hash(i, 'fw') % 2 = 0 THEN 'fw-2.4.1' ELSE NULL END`,
  latitude: 'NULL',
  longitude: 'NULL',
  event_time: `hour_start + to_milliseconds(CAST(hash(i, 'time') % 3600000 AS BIGINT))`,
  ingest_time: `hour_start + to_milliseconds(CAST(hash(i, 'time') % 3600000 AS BIGINT)) + to_milliseconds(CASE WHEN hash(i, 'late') % 20 = 0 THEN 900000 + CAST(hash(i, 'lag') % 3000000 AS BIGINT) ELSE 30000 + CAST(hash(i, 'lag') % 120000 AS BIGINT) END)`,
  source: `CASE WHEN hash(i, 'src') % 5 = 0 THEN 'msk' ELSE 'kinesis' END`,
  schema_version: '1',
  temperature: metric('temperature', 21, 20, 40),
  humidity: metric('humidity', 50, 50, 45),
  pressure: metric('pressure', 1000, 60, 90),
  battery: metric('battery', 60, 80, 55),
  kafka_topic: `CASE WHEN hash(i, 'src') % 5 = 0 THEN 'telemetry.readings' ELSE NULL END`,
  kafka_partition: `CASE WHEN hash(i, 'src') % 5 = 0 THEN CAST(hash(i, 'part') % 6 AS INTEGER) ELSE NULL END`,
  kafka_offset: `CASE WHEN hash(i, 'src') % 5 = 0 THEN CAST(i AS BIGINT) ELSE NULL END`,
  registered: `hash(i, 'device') % ${DEVICES} % 20 <> 19`,
  model: `CASE WHEN hash(i, 'device') % ${DEVICES} % 20 = 19 THEN NULL ELSE 'TH-' || CAST(hash(i, 'device') % ${DEVICES} % 3 AS VARCHAR) END`,
  owner: `CASE WHEN hash(i, 'device') % ${DEVICES} % 20 = 19 THEN NULL ELSE 'team-' || CAST(hash(i, 'device') % ${DEVICES} % 4 AS VARCHAR) END`,
  location_label: 'NULL',
  install_date: 'NULL',
};

function metric(name: string, base: number, spread: number, outlier: number): string {
  const roll = `hash(i, '${name}') % 100`;
  const unit = `(hash(i, '${name}-v') % 1000000) / 1000000.0`;
  return `CASE WHEN ${roll} < 5 THEN NULL WHEN ${roll} < 7 THEN ${base} + ${outlier} ELSE round(${base} + (${unit} - 0.5) * ${spread}, 3) END`;
}

/**
 * The device registry the registry reports join: the devices the lake marks registered (owner and
 * model as the generators give them) plus ten that never report, at the default key.
 */
const writeRegistry = async (lakeDir: string): Promise<void> => {
  const entries = [
    ...Array.from({ length: DEVICES }, (_, index) => index).filter((index) => index % 20 !== 19),
    ...Array.from({ length: 10 }, (_, index) => 9000 + index),
  ].map((index) =>
    DeviceRegistryEntrySchema.parse({
      device_id: `dev-${String(index).padStart(4, '0')}`,
      site: `site-${index % 25}`,
      model: `TH-${index % 3}`,
      owner: `team-${index % 4}`,
    }),
  );
  const file = path.join(lakeDir, ...DEFAULT_REGISTRY_KEY.split('/'));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, serialiseRegistry(entries));
};

/** Writes `rowsPerHour` rows per hour for HOURS hours as hive-partitioned Parquet, FILES_PER_HOUR objects each. */
const generateLake = async (lakeDir: string, rowsPerHour: number): Promise<void> => {
  const columns = glueColumns();
  const missing = columns.filter(({ Name }) => !(Name in GENERATORS));
  if (missing.length > 0)
    throw new Error(`no generator for lake columns ${missing.map(({ Name }) => Name).join(', ')}`);
  await mkdir(path.join(lakeDir, 'raw'), { recursive: true });
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const select = columns
      .map(({ Name, Type }) => `CAST(${GENERATORS[Name]} AS ${DUCKDB_TYPES[Type]}) AS "${Name}"`)
      .join(', ');
    for (let hour = 0; hour < HOURS; hour += 1) {
      const hourStart = new Date(START + hour * 3_600_000);
      const iso = hourStart.toISOString();
      const perFile = Math.ceil(rowsPerHour / FILES_PER_HOUR);
      for (let file = 0; file < FILES_PER_HOUR; file += 1) {
        const from = file * perFile;
        const to = Math.min(rowsPerHour, from + perFile);
        await connection.run(
          `COPY (SELECT ${select}, '${iso.slice(0, 10)}' AS dt, '${iso.slice(11, 13)}' AS hour
                 FROM (SELECT i, ${hour} AS h, TIMESTAMP '${iso.slice(0, 19).replace('T', ' ')}' AS hour_start FROM range(${from}, ${to}) t(i)))
           TO '${path.join(lakeDir, 'raw')}' (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (dt, hour), APPEND, FILENAME_PATTERN 'object-${hour}-${file}-{uuid}')`,
        );
      }
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
};

interface Lake {
  files: number;
  bytes: number;
  /** Objects per `dt/hour` partition. */
  byPartition: Map<string, number>;
  bytesByPartition: Map<string, number>;
}

const lakeFiles = async (lakeDir: string): Promise<Lake> => {
  const byPartition = new Map<string, number>();
  const bytesByPartition = new Map<string, number>();
  let files = 0;
  let bytes = 0;
  const raw = path.join(lakeDir, 'raw');
  for (const dt of await readdir(raw)) {
    for (const hour of await readdir(path.join(raw, dt))) {
      const names = await readdir(path.join(raw, dt, hour));
      const partition = `${dt.slice(3)}/${hour.slice(5)}`;
      byPartition.set(partition, names.length);
      files += names.length;
      let partitionBytes = 0;
      for (const name of names) partitionBytes += (await stat(path.join(raw, dt, hour, name))).size;
      bytesByPartition.set(partition, partitionBytes);
      bytes += partitionBytes;
    }
  }
  return { files, bytes, byPartition, bytesByPartition };
};

const SETTINGS = {
  thresholds: {
    temperature: { min: -20, max: 50 },
    humidity: { min: 5, max: 95 },
    pressure: { min: 950, max: 1050 },
    battery: { min: 15, max: 100 },
  },
  lateAfterSeconds: 900,
};

const main = async (): Promise<void> => {
  console.log(`Machine: ${machine()}`);
  console.log(
    `Lake: ${HOURS} hours from ${new Date(START).toISOString().slice(0, 16)}Z (two dates), ${FILES_PER_HOUR} Parquet objects per hour, ` +
      `${DEVICES} devices; ${ROUNDS} rounds per report and partition, medians\n`,
  );
  const reports = loadReports();
  const rows: string[][] = [];
  const problems: string[] = [];
  for (const rowsPerHour of SCALES) {
    const lakeDir = await mkdtemp(path.join(tmpdir(), 'bench-reports-'));
    try {
      const generated = performance.now();
      await generateLake(lakeDir, rowsPerHour);
      await writeRegistry(lakeDir);
      const lake = await lakeFiles(lakeDir);
      console.log(
        `${rowsPerHour.toLocaleString('en-US')} rows/hour: lake of ${lake.files} objects, ${(lake.bytes / MB).toFixed(1)} MB, ` +
          `generated in ${((performance.now() - generated) / 1000).toFixed(1)} s`,
      );
      let last: QueryProfile | undefined;
      const engine = await DuckDbQueryEngine.create({ lakeDir, onProfile: (profile) => (last = profile) });
      try {
        // The engine describes each new file once (its schema, for the view); not part of a report run.
        await engine.run({ name: 'warm-up', sql: 'SELECT count(*) FROM telemetry', parameters: [] });
        for (const report of reports) {
          const samples: { ms: number; profile: QueryProfile; partition: string }[] = [];
          for (let round = 0; round < ROUNDS; round += 1) {
            for (const [partition, partitionFiles] of lake.byPartition) {
              const [dt = '', hour = ''] = partition.split('/');
              const query = reportQuery({ settings: SETTINGS, lakeRelation: LAKE_RELATION }, report, {
                dt,
                hour,
              });
              const started = performance.now();
              await engine.run(query);
              const ms = performance.now() - started;
              const profile = last as QueryProfile;
              samples.push({ ms, profile, partition });
              if (profile.filesRead !== partitionFiles)
                problems.push(
                  `${report.name} ${partition} at ${rowsPerHour} rows/hour read ${profile.filesRead} files, its partition has ${partitionFiles}`,
                );
            }
          }
          const profile = samples[0]?.profile as QueryProfile;
          rows.push([
            rowsPerHour.toLocaleString('en-US'),
            report.name,
            median(samples.map(({ ms }) => ms)).toFixed(0),
            `${median(samples.map(({ profile: p }) => p.filesRead))}/${lake.files}`,
            (median(samples.map(({ partition }) => lake.bytesByPartition.get(partition) ?? 0)) / MB).toFixed(
              2,
            ),
            (lake.bytes / MB).toFixed(2),
            profile.fileFilters.join(' ') || 'none',
          ]);
        }
      } finally {
        await engine.close();
      }
    } finally {
      await rm(lakeDir, { recursive: true, force: true });
    }
  }
  console.log('');
  console.log(
    table(
      [
        'rows/hour',
        'report',
        'ms per partition',
        'files read/lake',
        'MB of files read',
        'lake MB',
        'file filters (DuckDB)',
      ],
      rows,
    ),
  );
  console.log(
    `\nPartition pruning: ${problems.length === 0 ? 'every report run read only the objects of its hour partition' : 'FAILED'}`,
  );
  if (problems.length > 0) {
    for (const problem of problems.slice(0, 20)) console.log(`  - ${problem}`);
    process.exitCode = 1;
  }
};

void main();
