import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDbQueryEngine } from '@pipeline/local/engines';
import { eventIdFor, METRICS, type MetricName } from '@pipeline/shared';
import { LAKE_RELATION } from '../src/domain/report-definition';
import { conformResult, reportQuery } from '../src/domain/run-reports';
import { loadReports } from '../src/reports';
import { TEST_SETTINGS } from './support/expected';
import { writeLake, type LakeRecord } from './support/lake';
import { generateRegistry, writeRegistry } from './support/registry';

// Reports cannot produce Infinity or NaN because their inputs are bounded: the lake holds only
// readings within the physical ranges (METRICS, enforced by the shared normalisation), and the
// averages are taken over DECIMAL(18, 6), so a value far outside them fails the query instead of
// turning into an Infinity. conformResult and the warehouse load refuse non-finite numbers too.
const HOUR_START = Date.parse('2026-03-01T10:00:00.000Z');
const HOUR = { dt: '2026-03-01', hour: '10' };
const iso = (ms: number) => new Date(ms).toISOString();

const lakeRecord = (deviceId: string, second: number, metrics: Partial<Record<MetricName, number>>) => {
  const eventMs = HOUR_START + second * 1000;
  const values = { temperature: null, humidity: null, pressure: null, battery: null, ...metrics };
  return {
    event_id: eventIdFor(deviceId, eventMs, values),
    device_id: deviceId,
    site: 'plant-a',
    firmware: null,
    latitude: null,
    longitude: null,
    event_time: iso(eventMs),
    ingest_time: iso(eventMs + 1000),
    source: 'kinesis',
    schema_version: 1,
    ...values,
    kafka_topic: null,
    kafka_partition: null,
    kafka_offset: null,
    registered: false,
    model: null,
    owner: null,
    location_label: null,
    install_date: null,
    ...HOUR,
  } satisfies LakeRecord;
};

const at = (bound: 'min' | 'max') =>
  Object.fromEntries(Object.entries(METRICS).map(([name, range]) => [name, range[bound]]));

describe('SQL reports over the most extreme readings the lake can hold', () => {
  const reports = loadReports();
  let lakeDir: string;

  let engine: DuckDbQueryEngine | undefined;
  const run = async (name: string) => {
    engine ??= await DuckDbQueryEngine.create({ lakeDir });
    const report = reports.find((candidate) => candidate.name === name)!;
    const result = await engine.run(
      reportQuery({ settings: TEST_SETTINGS, lakeRelation: LAKE_RELATION }, report, HOUR),
    );
    return conformResult(report, result, HOUR);
  };

  beforeEach(async () => {
    lakeDir = await mkdtemp(path.join(tmpdir(), 'report-extremes-'));
    await writeRegistry(lakeDir, generateRegistry());
  });
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
    await rm(lakeDir, { recursive: true, force: true });
  });

  it('gives finite rows for every report when every reading sits on a range bound, one a second for a quarter of an hour', async () => {
    // Readings at the bounds: within them, sums stay far from any overflow however many there are.
    const records = Array.from({ length: 900 }, (_, second) => [
      lakeRecord('dev-hot', second, at('max')),
      lakeRecord('dev-cold', second, at('min')),
      lakeRecord('dev-swing', second, at(second % 2 === 0 ? 'max' : 'min')),
    ]).flat();
    await writeLake(lakeDir, records);

    for (const report of reports) {
      const rows = await run(report.name);
      for (const row of rows)
        for (const value of Object.values(row))
          if (typeof value === 'number') expect(Number.isFinite(value)).toBe(true);
    }
    const stats = new Map((await run('device_hourly_stats')).map((row) => [row.device_id, row]));
    expect(stats.get('dev-hot')).toMatchObject({ pressure_avg: 1100, temperature_max: 150 });
    expect(stats.get('dev-swing')).toMatchObject({ temperature_avg: 45, battery_avg: 50 });
  }, 60_000);

  it('fails the query, never returns an Infinity, for a value far beyond the ranges', async () => {
    // The shared normalisation refuses such a reading; were one in the lake, the DECIMAL average
    // refuses it loudly (the run is retried, then parked) instead of averaging it into an Infinity.
    const records = [
      lakeRecord('dev-bad', 0, { temperature: 1e308 }),
      lakeRecord('dev-bad', 1, { temperature: 1e308 }),
    ];
    await writeLake(lakeDir, records);
    await expect(run('device_hourly_stats')).rejects.toThrow(/DECIMAL\(18,\s?6\)/);
  }, 60_000);
});
