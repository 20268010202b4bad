import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { invokeLocal } from '@pipeline/shared/testing';
import type { SQSBatchResponse } from 'aws-lambda';
import type { RunManifest } from '../src/domain/manifest';
import { generateTelemetry, writeLake } from './support/lake';

const SERVICE_DIR = path.join(__dirname, '..');

describe('sls invoke local --stage local', () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'report-runner-invoke-'));
    const { records } = generateTelemetry({
      start: '2026-03-01T10:00:00.000Z',
      hours: 2,
      readingsPerHour: 400,
      seed: 3,
    });
    await writeLake(path.join(root, 'local-ingest'), records);
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const reportsFile = (key: string) => readFile(path.join(root, 'local-reports', key), 'utf8');

  it('runs the sample batch offline against the local lake, reports and warehouse folders, twice to the same result', async () => {
    const invoke = () =>
      invokeLocal<SQSBatchResponse>(SERVICE_DIR, 'runner', 'events/sqs-mixed-batch.json', {
        stage: 'local',
        env: { LOCAL_ROOT: root },
      });
    const first = await invoke();
    expect(first.batchItemFailures.map(({ itemIdentifier }) => itemIdentifier.slice(-2))).toEqual([
      '04',
      '05',
    ]);
    const key = 'reports/device_hourly_stats/dt=2026-03-01/hour=10';
    const output = await reportsFile(`${key}/part-00000.json`);
    const manifest = JSON.parse(await reportsFile(`${key}/_manifest.json`)) as RunManifest;
    expect(manifest.output.rows).toBe(output.trim().split('\n').length);
    expect(manifest.warehouse).toEqual({
      table: 'report_device_hourly_stats',
      deleted: 0,
      inserted: manifest.output.rows,
    });

    const second = await invoke();
    expect(second).toEqual(first);
    expect(await reportsFile(`${key}/part-00000.json`)).toBe(output);
    const again = JSON.parse(await reportsFile(`${key}/_manifest.json`)) as RunManifest;
    expect(again.warehouse).toEqual({
      table: 'report_device_hourly_stats',
      deleted: manifest.output.rows,
      inserted: manifest.output.rows,
    });

    const db = await PGlite.create(path.join(root, 'warehouse'));
    try {
      const counts = await db.query<{ hour: string; n: number }>(
        'SELECT hour, count(*)::int AS n FROM report_device_hourly_stats GROUP BY hour ORDER BY hour',
      );
      expect(counts.rows).toEqual([
        { hour: '10', n: manifest.output.rows },
        { hour: '11', n: expect.any(Number) },
      ]);
    } finally {
      await db.close();
    }
  }, 180_000);
});
