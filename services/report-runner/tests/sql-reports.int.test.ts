import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDbQueryEngine } from '@pipeline/local/engines';
import { LAKE_RELATION } from '../src/domain/report-definition';
import { conformResult, reportQuery } from '../src/domain/run-reports';
import { loadReports } from '../src/reports';
import { expectedReports, expectRowsToMatch, TEST_SETTINGS } from './support/expected';
import { generateTelemetry, writeLake, type GeneratedLake } from './support/lake';
import { generateRegistry, writeRegistry } from './support/registry';

describe('SQL reports on DuckDB over a generated lake', () => {
  const reports = loadReports();
  let lakeDir: string;
  let engine: DuckDbQueryEngine;
  let lake: GeneratedLake;
  const registry = generateRegistry();
  const context = { settings: TEST_SETTINGS, lakeRelation: LAKE_RELATION };

  beforeAll(async () => {
    lakeDir = await mkdtemp(path.join(tmpdir(), 'report-runner-lake-'));
    // Four hours across midnight, about 3,000 records.
    lake = generateTelemetry({ start: '2026-03-01T22:00:00.000Z', hours: 4, readingsPerHour: 750 });
    await writeLake(lakeDir, lake.records);
    await writeRegistry(lakeDir, registry);
    engine = await DuckDbQueryEngine.create({ lakeDir });
  });

  afterAll(async () => {
    await engine?.close();
    await rm(lakeDir, { recursive: true, force: true });
  });

  it('generates a lake with the cases the reports must handle', () => {
    expect(lake.records.length).toBeGreaterThan(3000);
    const ids = lake.records.map(({ event_id }) => event_id);
    expect(new Set(ids).size).toBeLessThan(ids.length);
    expect(lake.partitions.map(({ dt, hour }) => `${dt}/${hour}`)).toEqual([
      '2026-03-01/22',
      '2026-03-01/23',
      '2026-03-02/00',
      '2026-03-02/01',
    ]);
  });

  /** Runs one report for one hour on DuckDB, rows conformed to its header. */
  const runReport = async (name: string, dt: string, hour: string) => {
    const report = reports.find((candidate) => candidate.name === name)!;
    const result = await engine.run(reportQuery(context, report, { dt, hour }));
    return conformResult(report, result, { dt, hour });
  };

  it('lists the registered devices that stayed silent, from their install date on', async () => {
    // Every generated device reports every hour; dev-900 .. dev-903 never do, dev-902 is installed
    // on 2026-03-02, and dev-005 reports before its install date (it is not silent, just early).
    const silent = async (dt: string, hour: string) =>
      (await runReport('silent_devices', dt, hour)).map(({ device_id }) => device_id);
    expect(await silent('2026-03-01', '23')).toEqual(['dev-900', 'dev-901', 'dev-903']);
    expect(await silent('2026-03-02', '00')).toEqual(['dev-900', 'dev-901', 'dev-902', 'dev-903']);
    expect((await runReport('silent_devices', '2026-03-01', '23'))[1]).toEqual({
      dt: '2026-03-01',
      hour: '23',
      device_id: 'dev-901',
      site: 'plant-b',
      model: null,
      owner: null,
      location: null,
      install_date: null,
    });
  });

  it('summarises per owner and per model, with the unregistered devices apart', async () => {
    const rows = await runReport('registry_hourly_summary', '2026-03-01', '23');
    const counts = rows.map(
      ({ dimension, dimension_value, registered_devices, reporting_devices, silent_devices }) =>
        `${dimension}=${dimension_value}: ${registered_devices} registered, ${reporting_devices} reporting, ${silent_devices} silent`,
    );
    expect(counts).toEqual([
      // dev-004, -009, -014 have no model; dev-901 neither (silent).
      'model=(none): 4 registered, 3 reporting, 1 silent',
      'model=(unregistered): 0 registered, 6 reporting, 0 silent',
      'model=TH-200: 8 registered, 7 reporting, 1 silent',
      'model=TH-300: 8 registered, 8 reporting, 0 silent',
      'model=TH-400: 1 registered, 0 reporting, 1 silent',
      'owner=(none): 7 registered, 6 reporting, 1 silent',
      'owner=(unregistered): 0 registered, 6 reporting, 0 silent',
      'owner=facilities: 7 registered, 6 reporting, 1 silent',
      'owner=logistics: 1 registered, 0 reporting, 1 silent',
      'owner=process-eng: 6 registered, 6 reporting, 0 silent',
    ]);
    // Every reading of the hour counts once per dimension.
    const readingsOf = (dimension: string) =>
      rows.filter((row) => row.dimension === dimension).reduce((sum, row) => sum + Number(row.readings), 0);
    const hour = new Set(
      lake.records
        .filter(({ dt, hour }) => dt === '2026-03-01' && hour === '23')
        .map(({ event_id }) => event_id),
    );
    expect(readingsOf('owner')).toBe(hour.size);
    expect(readingsOf('model')).toBe(hour.size);
  });

  it('runs every SQL file in sql/', () => {
    expect(reports.map(({ name }) => name)).toEqual([
      'anomalies',
      'data_quality',
      'device_hourly_stats',
      'quarantine_by_reason',
      'registry_hourly_summary',
      'silent_devices',
      'site_hourly_summary',
    ]);
  });

  const partitions = ['2026-03-01/22', '2026-03-01/23', '2026-03-02/00', '2026-03-02/01', '2026-03-02/05'];
  const cases = loadReports().flatMap((report) =>
    partitions.map((partition) => [report.name, partition] as const),
  );

  it.each(cases)('%s for %s equals the numbers computed in TypeScript', async (name, id) => {
    const report = reports.find((candidate) => candidate.name === name)!;
    const [dt = '', hour = ''] = id.split('/');
    const result = await engine.run(reportQuery(context, report, { dt, hour }));
    // Columns and types as the header declares them, then the numbers.
    const rows = conformResult(report, result, { dt, hour });
    const expected = expectedReports(lake.records, { dt, hour }, TEST_SETTINGS, registry)[name]!;
    expectRowsToMatch(rows, expected);
    if (dt === '2026-03-02' && hour === '05') {
      // An hour without data: no rows, except the data-quality row of zeros and the registered
      // devices, all silent.
      const expectedDevices = registry.filter(
        ({ install_date }) => install_date === null || install_date <= dt,
      );
      const groups =
        new Set(expectedDevices.map(({ model }) => model)).size +
        new Set(expectedDevices.map(({ owner }) => owner)).size;
      const counts: Record<string, number> = {
        data_quality: 1,
        silent_devices: expectedDevices.length,
        registry_hourly_summary: groups,
      };
      expect(rows).toHaveLength(counts[name] ?? 0);
    } else if (name === 'quarantine_by_reason') {
      // The generated lake holds only accepted records: nothing was rejected.
      expect(rows).toEqual([]);
    } else {
      expect(rows.length).toBeGreaterThan(0);
    }
  });
});
