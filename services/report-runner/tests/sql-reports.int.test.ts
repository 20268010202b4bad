import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDbQueryEngine } from '@pipeline/local/src/engines';
import { bindLakeRelation, LAKE_RELATION } from '../src/domain/report-definition';
import { parameterValues } from '../src/domain/report-parameters';
import { conformResult } from '../src/domain/run-reports';
import { loadReports } from '../src/reports';
import { expectedReports, expectRowsToMatch, TEST_SETTINGS } from './support/expected';
import { generateTelemetry, writeLake, type GeneratedLake } from './support/lake';

describe('SQL reports on DuckDB over a generated lake', () => {
  const reports = loadReports();
  let lakeDir: string;
  let engine: DuckDbQueryEngine;
  let lake: GeneratedLake;

  beforeAll(async () => {
    lakeDir = await mkdtemp(path.join(tmpdir(), 'report-runner-lake-'));
    // Four hours across midnight, about 3,000 records.
    lake = generateTelemetry({ start: '2026-03-01T22:00:00.000Z', hours: 4, readingsPerHour: 750 });
    await writeLake(lakeDir, lake.records);
    engine = await DuckDbQueryEngine.create({ lakeDir });
  });

  afterAll(async () => {
    engine?.close();
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

  it('runs every SQL file in sql/', () => {
    expect(reports.map(({ name }) => name)).toEqual([
      'anomalies',
      'data_quality',
      'device_hourly_stats',
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
    const values = parameterValues({ dt, hour }, TEST_SETTINGS);
    const result = await engine.run({
      name,
      sql: bindLakeRelation(report.sql, LAKE_RELATION),
      parameters: report.parameters.map((parameter) => values[parameter]!),
    });
    // Columns and types as the header declares them, then the numbers.
    const rows = conformResult(report, result);
    const expected = expectedReports(lake.records, { dt, hour }, TEST_SETTINGS)[name]!;
    expectRowsToMatch(rows, expected);
    if (dt === '2026-03-02' && hour === '05') {
      // An hour without data: no rows, except the data-quality row of zeros.
      expect(rows).toHaveLength(name === 'data_quality' ? 1 : 0);
    } else {
      expect(rows.length).toBeGreaterThan(0);
    }
  });
});
