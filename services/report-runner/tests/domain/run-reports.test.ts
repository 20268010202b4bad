import { WarehouseUnavailableError } from '@pipeline/shared/warehouse';
import type { PartitionRun } from '../../src/domain/batch-plan';
import { QueryEngineError, ReportOutputError } from '../../src/domain/errors';
import { reportOutputKeys } from '../../src/domain/layout';
import type { RunManifest } from '../../src/domain/manifest';
import { LAKE_RELATION } from '../../src/domain/report-definition';
import {
  PartitionRunError,
  runPartition,
  runReport,
  type ReportRunnerDependencies,
} from '../../src/domain/run-reports';
import { loadReports } from '../../src/reports';
import { TEST_SETTINGS } from '../support/expected';
import { FakeQueryEngine, MemoryObjectStore, RecordingWarehouse } from '../support/fakes';

const reports = loadReports();
const report = (name: string) => reports.find((candidate) => candidate.name === name)!;
const run: PartitionRun = {
  id: 'dt=2026-03-01/hour=10',
  partition: { dt: '2026-03-01', hour: '10' },
  trigger: 'object-created',
  sources: [
    's3://ingest/raw/dt=2026-03-01/hour=10/a.parquet',
    's3://ingest/raw/dt=2026-03-01/hour=10/b.parquet',
  ],
  messageIds: ['m1'],
};

const setup = (overrides: Partial<ReportRunnerDependencies> = {}) => {
  const store = new MemoryObjectStore();
  const engine = new FakeQueryEngine(reports);
  const warehouse = new RecordingWarehouse();
  let tick = 0;
  const deps: ReportRunnerDependencies = {
    engine,
    store,
    warehouse,
    reports,
    settings: TEST_SETTINGS,
    lakeRelation: '"pipeline_dev"."telemetry"',
    reportConcurrency: 2,
    clock: () => new Date(Date.UTC(2026, 2, 1, 10, 20, tick++)),
    ...overrides,
  };
  return { deps, store, engine, warehouse };
};

describe('the output layout', () => {
  it('puts data and manifests at keys that depend only on the report and the partition', () => {
    expect(reportOutputKeys('device_hourly_stats', { dt: '2026-03-01', hour: '07' })).toEqual({
      prefix: 'reports/device_hourly_stats/dt=2026-03-01/hour=07/',
      data: 'reports/device_hourly_stats/dt=2026-03-01/hour=07/part-00000.json',
      copyManifest: 'reports/device_hourly_stats/dt=2026-03-01/hour=07/_copy.manifest',
      runManifest: 'reports/device_hourly_stats/dt=2026-03-01/hour=07/_manifest.json',
    });
  });
});

describe('running a report for a partition', () => {
  it('binds the partition through parameters, in the order of the placeholders, never into the SQL text', async () => {
    const { deps, engine } = setup();
    await runReport(deps, report('data_quality'), run);
    const [request] = engine.requests;
    expect(request?.parameters).toEqual(['2026-03-01', '10', 900]);
    expect(request?.sql).not.toContain('2026-03-01');
    expect(request?.sql).toContain('FROM "pipeline_dev"."telemetry"');
  });

  it('joins the configured anomaly bounds as a relation of numeric literals, the partition still a parameter', async () => {
    const { deps, engine } = setup();
    await runReport(deps, report('anomalies'), run);
    const [request] = engine.requests;
    expect(request?.parameters).toEqual(['2026-03-01', '10']);
    expect(request?.sql).toContain(
      "CROSS JOIN (SELECT 'temperature' AS metric, CAST(-10 AS DOUBLE) AS low, CAST(45 AS DOUBLE) AS high UNION ALL " +
        "SELECT 'humidity' AS metric, CAST(5 AS DOUBLE) AS low, CAST(95 AS DOUBLE) AS high UNION ALL ",
    );
    const bounds = (min: number, max: number) => ({
      ...TEST_SETTINGS,
      thresholds: { ...TEST_SETTINGS.thresholds, battery: { min, max } },
    });
    await runReport({ ...deps, settings: bounds(0.000001, 1e21) }, report('anomalies'), run);
    expect(engine.requests[1]?.sql).toContain(
      "SELECT 'battery' AS metric, CAST(0.000001 AS DOUBLE) AS low, CAST(1E+21 AS DOUBLE) AS high)",
    );
    await expect(
      runReport({ ...deps, settings: bounds(Number.NaN, 1) }, report('anomalies'), run),
    ).rejects.toThrow(/anomaly threshold NaN is not a finite number/);
  });

  it('adds the partition to every row as the dt and hour columns, which the query does not return', async () => {
    const { deps, store } = setup();
    const silent = report('silent_devices');
    deps.engine = new FakeQueryEngine(reports, () => [
      { device_id: 'dev-9', site: 's', model: null, owner: null, location: null, install_date: null },
    ]);
    await runReport(deps, silent, run);
    expect(store.objects.get(reportOutputKeys('silent_devices', run.partition).data)?.body).toBe(
      '{"dt":"2026-03-01","hour":"10","device_id":"dev-9","site":"s","model":null,"owner":null,"location":null,"install_date":null}\n',
    );
  });

  it('writes NDJSON output, a COPY manifest, loads the warehouse by partition, then writes the run manifest', async () => {
    const { deps, store, warehouse } = setup();
    const manifest = await runReport(deps, report('data_quality'), run);
    const keys = reportOutputKeys('data_quality', run.partition);
    expect(store.puts).toEqual([keys.data, keys.copyManifest, keys.runManifest]);
    expect(store.objects.get(keys.data)?.body).toBe(
      '{"dt":"2026-03-01","hour":"10","records":1,"readings":1,"duplicate_event_ids":1,"duplicate_records":1,"late_records":1,"max_lateness_seconds":1,"devices":1}\n',
    );
    expect(store.json(keys.copyManifest)).toEqual({
      entries: [
        {
          url: `s3://reports-bucket/${keys.data}`,
          mandatory: true,
          meta: { content_length: manifest.output.bytes },
        },
      ],
    });
    expect(warehouse.replaced).toEqual([
      expect.objectContaining({
        table: report('data_quality').table,
        scope: { dt: '2026-03-01', hour: '10' },
        staged: { manifestUrl: `s3://reports-bucket/${keys.copyManifest}`, format: 'ndjson' },
      }),
    ]);
    expect(store.json(keys.runManifest)).toEqual(manifest);
    expect(manifest).toEqual(
      expect.objectContaining({
        report: 'data_quality',
        partition: run.partition,
        trigger: 'object-created',
        sources: run.sources,
        query: { engine: 'fake', id: 'q-1', bytesScanned: 1024, engineMillis: 5 },
        output: {
          key: keys.data,
          rows: 1,
          bytes: expect.any(Number),
          sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        },
        warehouse: { table: 'report_data_quality', deleted: 0, inserted: 1 },
      }),
    );
  });

  it('is idempotent: a second run writes the same keys, bytes and manifest (but for timings and query id)', async () => {
    const { deps, store } = setup();
    const first = await runPartition(deps, run);
    const snapshot = new Map([...store.objects].filter(([key]) => !key.endsWith('_manifest.json')));
    const second = await runPartition(deps, { ...run, sources: [...run.sources].reverse() });
    expect(new Map([...store.objects].filter(([key]) => !key.endsWith('_manifest.json')))).toEqual(snapshot);
    expect(store.objects.size).toBe(reports.length * 3);
    const stable = ({ timings: _timings, query: { id: _id, ...query }, ...rest }: RunManifest) => ({
      ...rest,
      query,
    });
    expect(second.map(stable)).toEqual(first.map(stable));
  });

  it('still writes outputs when no warehouse is configured', async () => {
    const { deps, store } = setup({ warehouse: undefined });
    const manifest = await runReport(deps, report('device_hourly_stats'), run);
    expect(manifest.warehouse).toBeNull();
    expect(store.objects.has(reportOutputKeys('device_hourly_stats', run.partition).data)).toBe(true);
  });

  it('refuses a result whose columns drifted from the header, before writing anything', async () => {
    const { deps, store } = setup();
    deps.engine = new FakeQueryEngine(reports, () => [{ dt: '2026-03-01', hour: '10' }]);
    const drifted = {
      ...report('data_quality'),
      table: { ...report('data_quality').table, columns: report('data_quality').table.columns.slice(0, 2) },
    };
    await expect(runReport(deps, drifted, run)).rejects.toThrow(ReportOutputError);
    deps.engine = {
      run: async () => ({
        engine: 'fake',
        queryId: 'q',
        columns: [{ name: 'hour', type: 'varchar' }],
        rows: [],
        bytesScanned: 0,
        engineMillis: 0,
      }),
    };
    await expect(runReport(deps, report('data_quality'), run)).rejects.toThrow(
      /returns \[hour\], the header declares \[records, readings, .*\] besides dt and hour/,
    );
    expect(store.puts).toEqual([]);
  });

  it('reports the failed reports of a partition, transient when every failure is', async () => {
    const { deps, engine, warehouse } = setup();
    engine.failWith.set(
      'anomalies',
      new QueryEngineError('Athena start anomalies: TooManyRequestsException', true),
    );
    const transient = await runPartition(deps, run).catch((error: unknown) => error);
    expect(transient).toBeInstanceOf(PartitionRunError);
    expect((transient as PartitionRunError).transient).toBe(true);
    expect((transient as PartitionRunError).failures.map(({ report: name }) => name)).toEqual(['anomalies']);

    warehouse.failWith = new WarehouseUnavailableError('resuming');
    engine.failWith.set('data_quality', new QueryEngineError('SYNTAX_ERROR', false));
    const mixed = (await runPartition(deps, run).catch((error: unknown) => error)) as PartitionRunError;
    expect(mixed.transient).toBe(false);
    expect(mixed.message).toMatch(/data_quality failed \(QueryEngineError: SYNTAX_ERROR\)/);
  });
});

it('uses the logical lake relation for engines that name the lake telemetry', () => {
  expect(LAKE_RELATION).toBe('telemetry');
});
