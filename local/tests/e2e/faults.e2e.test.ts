import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { PGlite } from '@electric-sql/pglite';
import { ABSORBED_FAULTS, type FaultKind } from '../../src/cloud/faults';
import type { RunOptions, RunResult } from '../../src/cloud/run';
import { readLake, type LakeFiles } from '../../src/engines/duckdb-query-engine';
import { main as ops } from '../../src/ops/cli';
import type { RedriveSummary } from '../../src/ops/redrive';
import { E2E_SETUP_TIMEOUT_MS, Scratch } from '../scratch';
import { booksFailedByReason, quarantineByReason } from './quarantine';

// The same small run (same seed, same start) three times, each in its own folder: without faults,
// with every fault the pipeline absorbs (`--faults all`), and with transform batches that exhaust
// Firehose's retries (then re-driven with `npm run redrive`). The faulty runs must end where the
// fault-free one did. No mocks: the four services' handlers, DuckDB and PGlite.
const HOUR_MS = 3_600_000;
const START = Date.UTC(2026, 2, 1, 22, 0);
const SEED = 'faults-e2e';

// Columns that record when something was written, not what: a fault that delays a write moves them.
const WRITE_TIME_COLUMNS = new Set(['written_at', 'published_at']);

const roots: Record<'clean' | 'faulty' | 'exhausted', string> = { clean: '', faulty: '', exhausted: '' };
const runs: Partial<Record<keyof typeof roots, RunResult>> = {};
const scratch = new Scratch();
let redriveStartedAt = 0;
let redriven: RedriveSummary;
const quarantined: Partial<Record<keyof typeof roots, Record<string, number>>> = {};

const options = (root: string, faults: readonly FaultKind[] = []): RunOptions => ({
  root,
  devices: 10,
  rate: 10 / 60,
  durationMs: 2 * HOUR_MS,
  startMs: START,
  badShare: 0.05,
  kafkaShare: 0.3,
  duplicateShare: 0.03,
  lateShare: 0.02,
  heartbeatShare: 0.01,
  format: 'parquet',
  seed: SEED,
  // Low thresholds, so windows raise alerts whose de-duplication across redeliveries is compared.
  alertRules: 'temperature>23,battery<60',
  // The functions log every injected failure as an error; the books below say what happened.
  logLevel: 'SILENT',
  ...(faults.length > 0 ? { faults, faultRate: 0.25 } : {}),
});

const walk = async (dir: string): Promise<string[]> => {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const files = await Promise.all(
    entries.map((entry) => {
      const full = path.join(dir, entry.name);
      return entry.isDirectory() ? walk(full) : Promise.resolve([full]);
    }),
  );
  return files.flat().sort();
};

/** Every lake row (all columns), as sorted JSON lines. */
const lakeRows = async (root: string, { without = [] as string[] } = {}): Promise<string[]> => {
  const files: LakeFiles = { parquet: [], json: [] };
  for (const file of await walk(path.join(root, 'local-ingest', 'raw')))
    (file.endsWith('.gz') ? files.json : files.parquet).push(file);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const exclude = without.length > 0 ? ` EXCLUDE (${without.join(', ')})` : '';
    const reader = await connection.runAndReadAll(
      `SELECT CAST(to_json(row) AS VARCHAR) AS line FROM (SELECT *${exclude} FROM ${readLake(files)}) AS row ORDER BY line`,
    );
    return reader.getRowObjectsJS().map(({ line }) => String(line));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
};

/** Every record of the error prefix (not the re-drive markers) as `errorCode rawData`, sorted. */
const errorRecords = async (root: string): Promise<string[]> => {
  const records: string[] = [];
  for (const file of await walk(path.join(root, 'local-ingest', 'errors', 'processing-failed'))) {
    const raw = await readFile(file);
    const text = (file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
      const { errorCode, rawData } = JSON.parse(line) as { errorCode: string; rawData: string };
      records.push(`${errorCode} ${rawData}`);
    }
  }
  return records.sort();
};

/** Every report output (not the manifests, which say when and how they ran), by path in the folder. */
const reportOutputs = async (root: string): Promise<Map<string, string>> => {
  const outputs = new Map<string, string>();
  const base = path.join(root, 'local-reports', 'reports');
  for (const file of await walk(base))
    if (path.basename(file).startsWith('part-'))
      outputs.set(path.relative(base, file), await readFile(file, 'utf8'));
  return outputs;
};

/** Every warehouse table's rows as sorted JSON lines, write-time columns left out. */
const warehouseTables = async (root: string): Promise<Record<string, string[]>> => {
  const db = await PGlite.create(path.join(root, 'warehouse'));
  try {
    const tables = await db.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
    );
    const out: Record<string, string[]> = {};
    for (const { name } of tables.rows) {
      const { rows } = await db.query<Record<string, unknown>>(`SELECT * FROM "${name}"`);
      out[name] = rows
        .map((row) =>
          JSON.stringify(
            Object.fromEntries(Object.entries(row).filter(([column]) => !WRITE_TIME_COLUMNS.has(column))),
          ),
        )
        .sort();
    }
    return out;
  } finally {
    await db.close();
  }
};

beforeAll(async () => {
  for (const name of Object.keys(roots) as (keyof typeof roots)[])
    roots[name] = await scratch.folder(`faults-e2e-${name}-`);
  runs.clean = await scratch.run(options(roots.clean));
  runs.faulty = await scratch.run(options(roots.faulty, ABSORBED_FAULTS));
  runs.exhausted = await scratch.run(options(roots.exhausted, ['transform-exhausted']));
  // Before the re-drive, which puts the records back.
  for (const name of Object.keys(roots) as (keyof typeof roots)[])
    quarantined[name] = await quarantineByReason(roots[name]);
  redriveStartedAt = runs.exhausted.summary.endMs;
  const lines: string[] = [];
  expect(await scratch.track(ops(['redrive', '--root', roots.exhausted], (line) => lines.push(line)))).toBe(
    0,
  );
  redriven = JSON.parse(lines.join('\n')) as RedriveSummary;
}, E2E_SETUP_TIMEOUT_MS);

afterAll(() => scratch.dispose());

describe('every absorbable fault at once (--faults all)', () => {
  it('injects every kind and resolves every one it injected', () => {
    const faults = runs.faulty?.summary.faults;
    expect(Object.keys(faults?.kinds ?? {}).sort()).toEqual([...ABSORBED_FAULTS].sort());
    for (const kind of ABSORBED_FAULTS) {
      const count = faults?.kinds[kind];
      expect({ kind, injected: (count?.injected ?? 0) > 0 }).toEqual({ kind, injected: true });
      expect({ kind, resolved: count?.resolved }).toEqual({ kind, resolved: count?.injected });
    }
    expect(runs.faulty?.summary.queues).toEqual({ runs: 0, deadLetter: 0, sinkFailures: 0, mskFailures: 0 });
  });

  it('keeps the books balanced, with the same books as the fault-free run', () => {
    expect(runs.clean?.problems).toEqual([]);
    expect(runs.faulty?.problems).toEqual([]);
    expect(runs.faulty?.summary.sources).toEqual(runs.clean?.summary.sources);
  });

  it('puts every event in the lake or the error prefix exactly as often as without faults', async () => {
    const [clean, faulty] = await Promise.all([lakeRows(roots.clean), lakeRows(roots.faulty)]);
    expect(clean.length).toBe(runs.clean?.summary.deliveredToLake);
    expect(faulty).toEqual(clean);
    const cleanErrors = await errorRecords(roots.clean);
    expect(cleanErrors.length).toBeGreaterThan(0);
    expect(await errorRecords(roots.faulty)).toEqual(cleanErrors);
  });

  it('keeps the same quarantine by SQL as the fault-free run, matching its books', () => {
    expect(quarantined.clean).toEqual(booksFailedByReason(runs.clean!));
    expect(quarantined.faulty).toEqual(quarantined.clean);
  });

  it('writes the same report rows and the same warehouse rows, real-time windows included', async () => {
    const cleanReports = await reportOutputs(roots.clean);
    expect(cleanReports.size).toBeGreaterThan(0);
    expect(await reportOutputs(roots.faulty)).toEqual(cleanReports);
    const cleanTables = await warehouseTables(roots.clean);
    // Not vacuous: windows and alerts (de-duplicated across redeliveries) are there to compare.
    expect(cleanTables.realtime_device_window_part?.length).toBeGreaterThan(0);
    expect(cleanTables.realtime_alert?.length).toBeGreaterThan(0);
    expect(await warehouseTables(roots.faulty)).toEqual(cleanTables);
  });
});

describe('transform batches that exhaust Firehose retries, then npm run redrive', () => {
  it('balances the books, the exhausted records explained by the error prefix', () => {
    const exhausted = runs.exhausted?.summary.faults?.exhaustedRecords;
    expect((exhausted?.devices ?? 0) + (exhausted?.kafka ?? 0)).toBeGreaterThan(0);
    expect(runs.exhausted?.problems).toEqual([]);
    expect(runs.exhausted?.summary.sources.devices.failed['Lambda.FunctionError']).toBe(exhausted?.devices);
  });

  it("shows the exhausted batches in the quarantine under Firehose's error code, as the books count them", () => {
    expect(quarantined.exhausted).toEqual(booksFailedByReason(runs.exhausted!));
    expect(quarantined.exhausted?.['Lambda.FunctionError']).toBeGreaterThan(0);
  });

  it('brings every exhausted record back into the lake once: the same readings as without faults', async () => {
    const exhausted = runs.exhausted?.summary.faults?.exhaustedRecords;
    expect(redriven.records).toBeGreaterThanOrEqual((exhausted?.devices ?? 0) + (exhausted?.kafka ?? 0));
    // Re-driven records arrive in the hub again, so their ingest_time is the re-drive's.
    const without = ['ingest_time'];
    expect(await lakeRows(roots.exhausted, { without })).toEqual(await lakeRows(roots.clean, { without }));
  });

  it('ends with the report rows of the fault-free run, lateness aside', async () => {
    const clean = await reportOutputs(roots.clean);
    const after = await reportOutputs(roots.exhausted);
    expect([...after.keys()].sort()).toEqual([...clean.keys()].sort());
    // data_quality measures lateness from ingest_time: re-driven readings are late by the re-drive.
    const lateness = new Set(['late_records', 'max_lateness_seconds']);
    const strip = (text: string) =>
      text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) =>
          JSON.stringify(
            Object.fromEntries(
              Object.entries(JSON.parse(line) as Record<string, unknown>).filter(
                ([key]) => !lateness.has(key),
              ),
            ),
          ),
        );
    // The quarantine report counts what was rejected, and this run's Firehose gave up on whole
    // batches: their records stay in its error output (re-driven or not), as the quarantine shows.
    const quarantineReport = (key: string) => key.startsWith('quarantine_by_reason/');
    for (const [key, text] of clean)
      if (!quarantineReport(key))
        expect({ key, rows: strip(after.get(key) ?? '') }).toEqual({ key, rows: strip(text) });
    const reportedByReason = (outputs: Map<string, string>) => {
      const byReason: Record<string, number> = {};
      for (const [key, text] of outputs)
        if (quarantineReport(key))
          for (const line of text.split('\n').filter((row) => row.trim() !== '')) {
            const { reason, rejected } = JSON.parse(line) as { reason: string; rejected: number };
            byReason[reason] = (byReason[reason] ?? 0) + rejected;
          }
      return byReason;
    };
    expect(reportedByReason(clean)).toEqual(quarantined.clean);
    expect(reportedByReason(after)).toEqual(quarantined.exhausted);
  });

  it('leaves the real-time windows of the original traffic as without faults', async () => {
    // The sink reads the hub, not Firehose: a failed transform batch does not touch its windows.
    // Windows that ended before the re-drive started (the re-drive's first window may begin a little
    // earlier: windows are aligned to the minute). PGlite returns timestamps as Dates: in the JSON
    // rows they are ISO-8601 strings with a Z.
    const before = (rows: string[] = []) =>
      rows.filter((row) => {
        const { window_end: end } = JSON.parse(row) as { window_end: string };
        return Date.parse(end) <= redriveStartedAt;
      });
    const clean = await warehouseTables(roots.clean);
    const after = await warehouseTables(roots.exhausted);
    const cleanBefore = before(clean.realtime_device_window_part);
    expect(cleanBefore.length).toBeGreaterThan(0);
    expect(before(after.realtime_device_window_part)).toEqual(cleanBefore);
  });
});
