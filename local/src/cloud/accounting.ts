import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadReports, reportOutputKeys } from '@pipeline/report-runner';
import { readLake, type LakeFiles } from '../engines/duckdb-query-engine';
import { FIREHOSE_ERRORS } from '../aws/firehose/response';
import type { FaultReport } from './faults';
import type { FleetCounts, IngressPath } from '../simulators/DeviceFleet';
import type { LocalCloud } from './LocalCloud';
import {
  addCount,
  balanceProblems,
  expectationProblems,
  totalOf,
  type SourceAccount,
  type SourceName,
} from '@pipeline/shared/books';

export type { SourceAccount, SourceName } from '@pipeline/shared/books';

const SOURCE_OF_PATH: Record<IngressPath, SourceName> = { hub: 'devices', kafka: 'kafka' };

export interface RunSummary {
  /** Simulated time the run covered. */
  startMs: number;
  endMs: number;
  produced: number;
  sources: Record<SourceName, SourceAccount>;
  forwardedFromKafka: number;
  deliveredToLake: number;
  lake: { objects: number; errorObjects: number; partitions: string[] };
  /** Extra copies of a reading (same event_id) in this run's lake objects: reports and the warehouse count each reading once. */
  duplicatesRemoved: number;
  /** Copies the real-time windows skipped. */
  realtimeDuplicatesSkipped: number;
  reportRuns: number;
  reportRunsFailed: number;
  warehouseRows: Record<string, number>;
  realtimeWindowRows: number;
  alerts: number;
  queues: { runs: number; deadLetter: number; sinkFailures: number; mskFailures: number };
  /** Injected faults (`--faults`): how many of each, and how many the pipeline resolved. */
  faults?: FaultReport;
  /** The device registry the run wrote, and this run's lake rows by whether their device is in it. */
  registry?: RegistryAccount;
}

/** What the run's device registry held, and how the lake rows were enriched from it. */
export interface RegistryAccount {
  /** Devices in the registry. */
  devices: number;
  /** Devices of the fleet deliberately left out of it. */
  unregisteredDevices: number;
  /** Lake rows of registered (enriched) and unregistered devices. */
  records: { registered: number; unregistered: number };
}

/** The fleet's registry, as the run wrote it. */
export interface FleetRegistryFacts {
  devices: number;
  unregistered: readonly string[];
}

export interface Accounting {
  summary: RunSummary;
  /** Empty when everything balances; otherwise what does not, in words. */
  problems: string[];
}

/** Rows of this run's lake objects by `source` column, and their distinct readings. */
const sqlList = (values: readonly string[]) =>
  `[${values.map((value) => `'${value.replaceAll("'", "''")}'`).join(', ')}]::VARCHAR[]`;

interface LakeAudit {
  rows: Record<string, number>;
  readings: number;
  /** Rows flagged registered = false, and rows whose flag disagrees with the fleet's registry. */
  unregistered: number;
  misflagged: number;
}

const auditLake = async (
  lakeDir: string,
  keys: readonly string[],
  unregisteredDevices: readonly string[] = [],
): Promise<LakeAudit> => {
  if (keys.length === 0) return { rows: {}, readings: 0, unregistered: 0, misflagged: 0 };
  const files: LakeFiles = { parquet: [], json: [] };
  for (const key of keys) (key.endsWith('.gz') ? files.json : files.parquet).push(path.join(lakeDir, key));
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(
      `SELECT source, count(*) AS records FROM ${readLake(files)} AS lake GROUP BY source`,
    );
    const rows: Record<string, number> = {};
    for (const row of reader.getRowObjectsJS()) rows[String(row.source)] = Number(row.records);
    const distinct = await connection.runAndReadAll(
      `SELECT count(DISTINCT event_id) AS readings FROM ${readLake(files)} AS lake`,
    );
    const flags = await connection.runAndReadAll(
      `SELECT count(*) FILTER (WHERE NOT registered) AS unregistered,
              count(*) FILTER (WHERE registered = list_contains(${sqlList(unregisteredDevices)}, device_id)) AS misflagged
       FROM ${readLake(files)} AS lake`,
    );
    const flagRow = flags.getRowObjectsJS()[0];
    return {
      rows,
      readings: Number(distinct.getRowObjectsJS()[0]?.readings ?? 0),
      unregistered: Number(flagRow?.unregistered ?? 0),
      misflagged: Number(flagRow?.misflagged ?? 0),
    };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
};

/**
 * Error records of this run's error objects, by the source of the record: a canonical record
 * (`schema_version`, forwarded by msk-consumer) is Kafka's, anything else came from a device.
 */
const auditErrors = async (
  lakeDir: string,
  keys: readonly string[],
): Promise<Record<SourceName, number> & { batchFailures: Record<SourceName, Record<string, number>> }> => {
  const counts = {
    devices: 0,
    kafka: 0,
    batchFailures: { devices: {}, kafka: {} } as Record<SourceName, Record<string, number>>,
  };
  for (const key of keys) {
    const raw = await readFile(path.join(lakeDir, key));
    const text = (key.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const { rawData, errorCode } = JSON.parse(line) as { rawData?: string; errorCode?: string };
      let source: SourceName = 'devices';
      try {
        const record = JSON.parse(Buffer.from(rawData ?? '', 'base64').toString('utf8')) as {
          schema_version?: unknown;
          source?: unknown;
        };
        if (record.schema_version !== undefined && record.source === 'msk') source = 'kafka';
      } catch {
        // Not JSON: a device's broken message.
      }
      counts[source] += 1;
      // A whole batch Firehose gave up on (the invocation failed every attempt), not a verdict on the record.
      if (errorCode !== undefined && errorCode !== FIREHOSE_ERRORS.processingFailed.errorCode)
        addCount(counts.batchFailures[source], errorCode, 1);
    }
  }
  return counts;
};

/** Row counts of every table in the warehouse. */
const warehouseRows = async (cloud: LocalCloud): Promise<Record<string, number>> => {
  const tables = await cloud.db.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name",
  );
  const rows: Record<string, number> = {};
  for (const { table_name: table } of tables.rows) {
    const result = await cloud.db.query<{ rows: number }>(
      `SELECT count(*)::int AS rows FROM "${table.replaceAll('"', '""')}"`,
    );
    rows[table] = result.rows[0]?.rows ?? 0;
  }
  return rows;
};

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/**
 * The run's books: what each source produced against where it ended (lake, dropped, rejected by
 * reason), read from the lake objects the run wrote and from the functions' own metrics, then
 * checked against what the device fleet meant to send. A problem is anything that does not add up.
 */
export const account = async (
  cloud: LocalCloud,
  fleet: FleetCounts,
  window: { startMs: number; endMs: number },
  registry?: FleetRegistryFacts,
): Promise<Accounting> => {
  const { recorder, firehose, runObjects } = cloud;
  const { lakeDir, reportsDir } = cloud.settings.layout;
  const problems: string[] = [];

  const lake = await auditLake(lakeDir, runObjects.raw, registry?.unregistered);
  const errors = await auditErrors(lakeDir, runObjects.errors);
  const lakeRows = (source: SourceName) => lake.rows[source === 'kafka' ? 'msk' : 'kinesis'] ?? 0;

  // ingest-transform's own metrics say why records failed or were dropped; Firehose adds the
  // batches it gave up on and the records format conversion refused.
  const transformFailed = recorder.byDimension('ingest-transform', 'RecordsFailed', 'reason');
  for (const [code, count] of Object.entries(firehose.stats.failedBatchRecords))
    addCount(transformFailed, code, count);
  addCount(transformFailed, 'format_conversion_failed', firehose.stats.formatConversionFailed);
  const transformDropped = recorder.byDimension('ingest-transform', 'RecordsDropped', 'reason');

  const quarantined = recorder.byDimension('msk-consumer', 'RecordsQuarantined', 'reason');
  const mskDropped = recorder.byDimension('msk-consumer', 'RecordsDropped', 'reason');
  for (const [reason, count] of Object.entries(
    recorder.byDimension('msk-consumer', 'RecordsSkipped', 'reason'),
  ))
    addCount(mskDropped, reason, count);
  const forwarded = recorder.sum('msk-consumer', 'RecordsForwarded');

  const devicesFailed = { ...transformFailed };
  const kafkaFailed = { ...quarantined };
  // Records msk-consumer forwarded that the transform then refused (it re-validates everything),
  // and forwarded records in batches whose every invocation failed (by Firehose's error code).
  const kafkaInFailedBatches = totalOf(errors.batchFailures.kafka);
  addCount(kafkaFailed, 'rejected_by_transform', errors.kafka - kafkaInFailedBatches);
  if (errors.kafka > kafkaInFailedBatches)
    addCount(devicesFailed, 'rejected_by_transform', -(errors.kafka - kafkaInFailedBatches));
  for (const [code, count] of Object.entries(errors.batchFailures.kafka)) {
    addCount(kafkaFailed, code, count);
    addCount(devicesFailed, code, -count);
  }

  const sources: Record<SourceName, SourceAccount> = {
    devices: {
      produced: fleet.produced.hub,
      delivered: lakeRows('devices'),
      dropped: transformDropped,
      failed: devicesFailed,
    },
    kafka: {
      produced: fleet.produced.kafka,
      delivered: lakeRows('kafka'),
      dropped: mskDropped,
      failed: kafkaFailed,
    },
  };

  problems.push(...balanceProblems(sources));
  // The reasons (metrics) must explain every error record (objects), and the forwarded records
  // must all have arrived.
  if (errors.devices + errors.kafka !== totalOf(transformFailed)) {
    problems.push(
      `the lake's error prefix holds ${errors.devices + errors.kafka} records, the transform reports ${totalOf(transformFailed)} failures`,
    );
  }
  if (forwarded !== lakeRows('kafka') + errors.kafka) {
    problems.push(
      `msk-consumer forwarded ${forwarded} records, the lake holds ${lakeRows('kafka') + errors.kafka} of them`,
    );
  }
  if (totalOf(transformDropped) !== firehose.stats.dropped) {
    problems.push(
      `Firehose dropped ${firehose.stats.dropped} records, the transform reports ${totalOf(transformDropped)}`,
    );
  }

  // What the fleet meant to happen, path by path.
  const faults = cloud.faults?.report();
  for (const [pathName, expected] of Object.entries(fleet.expected) as [
    IngressPath,
    FleetCounts['expected']['hub'],
  ][]) {
    const name = SOURCE_OF_PATH[pathName];
    const observed = sources[name];
    const exhausted = faults?.exhaustedRecords[name] ?? 0;
    problems.push(
      ...expectationProblems(name, observed, expected, {
        errorCode: FIREHOSE_ERRORS.functionError.errorCode,
        records: exhausted,
      }),
    );
  }

  // Nothing may be left in flight.
  const leftovers = {
    'records in the hub not yet read by Firehose': firehose.reader.lag() + firehose.bufferedRecordCount(),
    'records in the hub not yet read by analytics-sink': cloud.windowMapping.lag(),
    'Kafka records not yet consumed': cloud.mskMapping.lag(),
    'messages waiting in the report queue': cloud.runQueue.counts().total,
  };
  for (const [what, count] of Object.entries(leftovers)) if (count > 0) problems.push(`${count} ${what}`);
  if (firehose.stats.s3DeliveryExpiredRecords > 0)
    problems.push(
      `${firehose.stats.s3DeliveryExpiredRecords} records discarded by Firehose after 24 hours of S3 delivery failures`,
    );
  for (const [kind, count] of Object.entries(faults?.kinds ?? {})) {
    if (kind !== 'transform-exhausted' && count.injected !== count.resolved)
      problems.push(
        `${count.injected - count.resolved} of ${count.injected} injected ${kind} faults were not resolved`,
      );
  }

  // Every partition this run wrote to has every report.
  const partitions = [
    ...new Set(
      runObjects.raw.map((key) => {
        const match = /^raw\/dt=([^/]+)\/hour=([^/]+)\//.exec(key);
        return match ? `${match[1]}/${match[2]}` : key;
      }),
    ),
  ].sort();
  const reports = loadReports();
  for (const partition of partitions) {
    const [dt = '', hour = ''] = partition.split('/');
    for (const report of reports) {
      const manifest = path.join(reportsDir, reportOutputKeys(report.name, { dt, hour }).runManifest);
      if (!(await exists(manifest))) problems.push(`no ${report.name} report for dt=${dt}/hour=${hour}`);
    }
  }

  // Enrichment: a row is flagged registered exactly when its device is in the registry.
  if (registry && lake.misflagged > 0)
    problems.push(
      `${lake.misflagged} lake rows are flagged registered when their device is not in the run's registry, or the other way round`,
    );

  const deliveredToLake = lakeRows('devices') + lakeRows('kafka');
  const summary: RunSummary = {
    ...window,
    produced: fleet.messages,
    sources,
    forwardedFromKafka: forwarded,
    deliveredToLake,
    lake: { objects: runObjects.raw.length, errorObjects: runObjects.errors.length, partitions },
    duplicatesRemoved: deliveredToLake - lake.readings,
    realtimeDuplicatesSkipped: recorder.sum('analytics-sink', 'RecordsDuplicate'),
    reportRuns: recorder.sum('report-runner', 'ReportRuns'),
    reportRunsFailed: recorder.sum('report-runner', 'PartitionRunsFailed'),
    warehouseRows: await warehouseRows(cloud),
    realtimeWindowRows: recorder.sum('analytics-sink', 'WindowRowsWritten'),
    alerts: recorder.sum('analytics-sink', 'AlertsPublished'),
    queues: {
      runs: cloud.runQueue.counts().total,
      deadLetter: cloud.deadLetterQueue.counts().total,
      sinkFailures: cloud.sinkFailureQueue.counts().total,
      mskFailures: cloud.mskFailureQueue.counts().total,
    },
    ...(faults ? { faults } : {}),
    ...(registry
      ? {
          registry: {
            devices: registry.devices,
            unregisteredDevices: registry.unregistered.length,
            records: { registered: deliveredToLake - lake.unregistered, unregistered: lake.unregistered },
          },
        }
      : {}),
  };
  return { summary, problems };
};
