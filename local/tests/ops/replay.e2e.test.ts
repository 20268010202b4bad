import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import { main } from '../../src/ops/cli';
import type { RedriveSummary } from '../../src/ops/redrive';
import { E2E_SETUP_TIMEOUT_MS, Scratch } from '../scratch';

// A small local cloud run (one hour, JSON+GZIP lake), then the operations commands against its
// folder exactly as `npm run redrive` / `npm run rerun-reports` run them.
const HOUR_MS = 3_600_000;
const START = Date.UTC(2026, 2, 1, 22, 0);
const FIXED_DEVICE = 'fixed-device-1';
const HOUR = '2026-03-01T22';

let root: string;
const scratch = new Scratch();

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

const ops = async (...argv: string[]): Promise<unknown> => {
  const lines: string[] = [];
  expect(await main([...argv, '--root', root], (line) => lines.push(line))).toBe(0);
  return JSON.parse(lines.join('\n')) as unknown;
};

/** Lake rows of the device whose records the "fix" made valid. */
const fixedRowsInLake = async (): Promise<number> => {
  let rows = 0;
  for (const file of await walk(path.join(root, 'local-ingest', 'raw'))) {
    const text = gunzipSync(await readFile(file)).toString('utf8');
    rows += text.split('\n').filter((line) => line.includes(`"device_id":"${FIXED_DEVICE}"`)).length;
  }
  return rows;
};

/** Every report output (not the manifests, which record when they ran), by path. */
const reportOutputs = async (): Promise<Map<string, string>> => {
  const outputs = new Map<string, string>();
  for (const file of await walk(path.join(root, 'local-reports', 'reports'))) {
    if (path.basename(file).startsWith('part-')) outputs.set(file, await readFile(file, 'utf8'));
  }
  return outputs;
};

const warehouseCounts = async (): Promise<Record<string, number>> => {
  const db = await PGlite.create(path.join(root, 'warehouse'));
  try {
    const tables = await db.query<{ name: string }>(
      "SELECT table_schema || '.' || table_name AS name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
    );
    const counts: Record<string, number> = {};
    for (const { name } of tables.rows) {
      const result = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${name}`);
      counts[name] = result.rows[0]?.n ?? 0;
    }
    return counts;
  } finally {
    await db.close();
  }
};

beforeAll(async () => {
  root = await scratch.folder('ops-replay-');
  const run = await scratch.run({
    root,
    devices: 6,
    rate: 0.1,
    durationMs: HOUR_MS,
    startMs: START,
    badShare: 0.05,
    kafkaShare: 0,
    duplicateShare: 0,
    lateShare: 0,
    heartbeatShare: 0,
    format: 'json',
    seed: 'ops-replay',
  });
  expect(run.problems).toEqual([]);
  // Records the transform once refused and would now accept ("after the fix"), in Firehose's
  // processing-failed error record format.
  const errors = path.join(root, 'local-ingest', 'errors', 'processing-failed', 'dt=2026-03-01', 'hour=22');
  await mkdir(errors, { recursive: true });
  const lines = [0, 1, 2].map((minute) =>
    JSON.stringify({
      attemptsMade: 1,
      arrivalTimestamp: START + (30 + minute) * 60_000,
      errorCode: 'Lambda.ProcessingFailedStatus',
      errorMessage: 'ProcessingFailed status set for record',
      attemptEndingTimestamp: START + 31 * 60_000,
      rawData: Buffer.from(
        JSON.stringify({
          deviceId: FIXED_DEVICE,
          timestamp: START + (30 + minute) * 60_000,
          metrics: { temperature: 21.5 + minute, humidity: 40 },
        }),
      ).toString('base64'),
      lambdaArn: 'arn:aws:lambda:eu-west-1:000000000000:function:ingest-transform-local-transform',
    }),
  );
  await writeFile(
    path.join(errors, 'ingest-transform-local-lake-1-2026-03-01-22-31-00-fixed'),
    `${lines.join('\n')}\n`,
  );
}, E2E_SETUP_TIMEOUT_MS);

afterAll(() => scratch.dispose());

describe('replay against a local cloud folder', () => {
  it('re-drives fixed error records into the lake exactly once, however often it runs', async () => {
    expect(await fixedRowsInLake()).toBe(0);
    const first = (await ops('redrive', '--from', HOUR, '--to', HOUR)) as RedriveSummary;
    expect(first.objects).toBeGreaterThanOrEqual(1);
    expect(first.records).toBeGreaterThanOrEqual(3);
    expect(await fixedRowsInLake()).toBe(3);
    const lake = await walk(path.join(root, 'local-ingest', 'raw'));

    const second = (await ops('redrive', '--from', HOUR, '--to', HOUR)) as RedriveSummary;
    expect(second).toMatchObject({ objects: 0, records: 0, alreadyRedriven: first.objects });
    expect(await fixedRowsInLake()).toBe(3);
    expect(await walk(path.join(root, 'local-ingest', 'raw'))).toEqual(lake);
  }, 30_000);

  it('re-runs the reports of an hour range without changing report files or warehouse rows', async () => {
    const reports = await reportOutputs();
    const counts = await warehouseCounts();
    expect(reports.size).toBeGreaterThan(0);
    expect(Object.values(counts).some((n) => n > 0)).toBe(true);
    expect(await ops('rerun-reports', '--from', HOUR, '--to', HOUR)).toEqual({ hours: 1 });
    expect(await reportOutputs()).toEqual(reports);
    expect(await warehouseCounts()).toEqual(counts);
  }, 30_000);
});
