import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { freshPgliteWarehouse } from '@pipeline/local/testing';
import { loadReports } from '@pipeline/report-runner';
import { ALERT_TABLE, WINDOW_PART_TABLE } from '@pipeline/analytics-sink';
import {
  WarehouseError,
  type PostgresWarehouse,
  type ReadableWarehouse,
  type WarehouseColumnType,
  type WarehouseRow,
} from '@pipeline/shared/warehouse';
import {
  buildDashboard,
  DASHBOARD_SOURCES,
  DATA_ELEMENT_ID,
  generateDashboard,
  reportRowsDashboardSource,
  warehouseDashboardSource,
  type DashboardModel,
  type ReportRowsReader,
} from '../src';
import { expectedDashboard } from './expected';
import {
  asReadFromWarehouse,
  createSchema,
  fixtureRows,
  fixtureWarehouse,
  NOW,
  SILENT,
  type FixtureRows,
} from './fixture';

/** The model embedded in a page, read back the way any tool would. */
const embeddedModel = (html: string): DashboardModel => {
  const match = new RegExp(`<script type="application/json" id="${DATA_ELEMENT_ID}">([^<]*)</script>`).exec(
    html,
  );
  if (!match) throw new Error('no embedded model');
  return JSON.parse(match[1]!) as DashboardModel;
};

const fixture = fixtureRows();

describe('the dashboard generator on a warehouse with known rows', () => {
  let warehouse: PostgresWarehouse;
  let html: string;
  let model: DashboardModel;
  const expected = expectedDashboard(fixture);

  beforeAll(async () => {
    warehouse = await fixtureWarehouse(fixture);
    ({ html, model } = await buildDashboard({ warehouse, now: NOW, environment: 'test' }));
  }, 120_000);
  afterAll(() => warehouse?.close());

  it('embeds its model in the page, and only reads: every relation is found, nothing is reported missing', () => {
    expect(embeddedModel(html)).toEqual(model);
    expect(model.problems).toEqual([]);
    expect(Object.values(model.relations).every(Boolean)).toBe(true);
  });

  it('charts exactly the rows: real-time windows summed per minute (a window without rows is 0)', () => {
    const events = embeddedModel(html).charts.find(({ id }) => id === 'events-per-minute')!;
    expect({ x: events.x, series: events.series }).toEqual(expected.charts['events-per-minute']);
    expect(events.step).toBe(60);
    expect(events.series[0]!.values).toContain(0);
  });

  it('charts exactly the rows: per-site hourly metrics, throughput, duplicates, late records and anomalies over the newest 72 hours', () => {
    const charts = embeddedModel(html).charts;
    for (const [id, chart] of Object.entries(expected.charts)) {
      if (id === 'events-per-minute') continue;
      const embedded = charts.find((candidate) => candidate.id === id);
      expect({ id, x: embedded?.x, series: embedded?.series }).toEqual({ id, ...chart });
      expect(embedded?.x).toHaveLength(72);
    }
    expect(charts.map(({ id }) => id)).toEqual([
      'events-per-minute',
      'site-temperature',
      'site-humidity',
      'site-pressure',
      'site-battery',
      'records-per-hour',
      'duplicates-late',
      'quarantine-by-reason',
      'anomalies-per-hour',
    ]);
    expect(charts.every((chart) => chart.empty === undefined)).toBe(true);
  });

  it('lists exactly the rows: newest anomalies with their thresholds, lowest batteries, silent devices, alerts', () => {
    const { tables } = embeddedModel(html);
    expect(tables.anomalies).toEqual(expected.tables.anomalies);
    expect(tables.lowestBattery).toEqual(expected.tables.lowestBattery);
    expect(tables.silentDevices).toEqual(expected.tables.silentDevices);
    expect(tables.silentDevices.rows.map(({ device_id }) => device_id)).toEqual(SILENT);
    expect(tables.alerts).toEqual(expected.tables.alerts);
    expect(tables.rejections).toEqual(
      expect.objectContaining({ provided: false, rows: [], total: 0, records: 0 }),
    );
  });

  it('summarises freshness, the time range and the headline numbers', () => {
    const { freshness, coverage, kpis } = embeddedModel(html);
    expect(freshness).toEqual({
      status: 'fresh',
      newestEventTime: expected.newestEventTime,
      newestEventAgeSeconds: Math.round(
        (NOW.getTime() - Date.parse(`${expected.newestEventTime.replace(' ', 'T')}Z`)) / 1000,
      ),
      newestReportHour: '2026-03-02 11:00',
      newestReportAgeSeconds: Math.round((NOW.getTime() - Date.parse('2026-03-02T12:00:00Z')) / 1000),
    });
    expect(coverage).toEqual({
      realtime: { from: '2026-03-02 09:34:00.000', to: '2026-03-02 12:04:00.000' },
      reports: { from: '2026-02-27 04:00', to: '2026-03-02 11:00', hours: 80 },
      realtimeChart: { from: '2026-03-02 09:34:00.000', to: '2026-03-02 12:04:00.000' },
      reportCharts: { from: `${expected.hours[0]}:00`, to: '2026-03-02 11:00', hours: 72 },
    });
    expect(kpis).toEqual({
      ...expected.kpis,
      silentDevices: SILENT.length,
      lowBatteryDevices: expected.tables.lowestBattery.total,
    });
  });

  it('shows what the caller knows about dropped and failed records, largest first', async () => {
    const { model: withRejections } = await buildDashboard({
      warehouse,
      now: NOW,
      rejections: {
        scope: 'the last local run',
        counts: [
          { stage: 'ingest-transform', outcome: 'dropped', reason: 'heartbeat', count: 12 },
          { stage: 'ingest-transform', outcome: 'failed', reason: 'invalid_schema', count: 30 },
          { stage: 'analytics-sink', outcome: 'failed', reason: 'oversized_record', count: 0 },
        ],
      },
    });
    expect(withRejections.tables.rejections).toEqual({
      provided: true,
      scope: 'the last local run',
      total: 2,
      records: 42,
      rows: [
        { stage: 'ingest-transform', outcome: 'failed', reason: 'invalid_schema', count: 30 },
        { stage: 'ingest-transform', outcome: 'dropped', reason: 'heartbeat', count: 12 },
      ],
    });
  });

  it('still produces the page when a panel cannot be read, and says which', async () => {
    const failing: ReadableWarehouse = {
      select: (request) =>
        request.sql.includes('FROM report_anomalies')
          ? Promise.reject(new WarehouseError('permission denied for table report_anomalies'))
          : warehouse.select(request),
    };
    const { html: page, model: partial } = await buildDashboard({ warehouse: failing, now: NOW });
    expect(partial.problems).toEqual(['anomalies: permission denied for table report_anomalies']);
    expect(partial.charts.find(({ id }) => id === 'anomalies-per-hour')?.empty).toBe(
      'Could not be read: permission denied for table report_anomalies',
    );
    expect(partial.kpis.anomalies).toBeNull();
    expect(partial.charts.filter(({ empty }) => empty === undefined)).toHaveLength(8);
    expect(page).toContain('Some panels could not be read');
  });

  it('writes the page to a file atomically and returns its path and size', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dashboard-'));
    try {
      const outFile = path.join(dir, 'nested', 'dashboard', 'index.html');
      const result = await generateDashboard({ warehouse, outFile, now: NOW });
      const written = await readFile(outFile, 'utf8');
      expect(result).toEqual({ outFile, bytes: Buffer.byteLength(written), model: embeddedModel(written) });
      expect(result.bytes).toBeLessThan(400_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads only columns the real definitions have, with the same types (report SQL headers, analytics-sink tables and view)', async () => {
    const definitions = new Map(
      [...loadReports().map(({ table }) => table), WINDOW_PART_TABLE, ALERT_TABLE].map((table) => [
        table.name,
        new Map(table.columns.map(({ name, type }) => [name, type])),
      ]),
    );
    const viewColumns = await warehouse.select({
      sql: `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = :view`,
      parameters: { view: { type: 'string', value: DASHBOARD_SOURCES.realtimeWindows.relation } },
      columns: [
        { name: 'column_name', type: 'string' },
        { name: 'data_type', type: 'string' },
      ],
    });
    const postgresTypes: Record<string, WarehouseColumnType> = {
      text: 'string',
      bigint: 'bigint',
      integer: 'int',
      'double precision': 'double',
      'timestamp without time zone': 'timestamp',
    };
    definitions.set(
      DASHBOARD_SOURCES.realtimeWindows.relation,
      new Map(viewColumns.map((row) => [String(row.column_name), postgresTypes[String(row.data_type)]!])),
    );
    for (const { relation, columns } of Object.values(DASHBOARD_SOURCES)) {
      expect({ relation, columns }).toEqual({
        relation,
        columns: Object.fromEntries(
          Object.keys(columns).map((name) => [name, definitions.get(relation)?.get(name)]),
        ),
      });
    }
  });
});

describe('the dashboard generator on an empty warehouse', () => {
  let db: PGlite;
  let warehouse: PostgresWarehouse;

  beforeAll(async () => {
    ({ db, warehouse } = await freshPgliteWarehouse());
  }, 60_000);
  afterAll(() => warehouse?.close());

  it('says for every panel that its table is not there yet', async () => {
    const { html, model } = await buildDashboard({ warehouse, now: NOW });
    expect(model.problems).toEqual([]);
    expect(Object.values(model.relations).some(Boolean)).toBe(false);
    expect(model.freshness).toEqual({
      status: 'no-data',
      newestEventTime: null,
      newestEventAgeSeconds: null,
      newestReportHour: null,
      newestReportAgeSeconds: null,
    });
    for (const chart of model.charts) {
      expect(chart).toEqual(
        expect.objectContaining({
          x: [],
          series: [],
          empty: expect.stringMatching(/not found in this warehouse/),
        }),
      );
    }
    for (const name of ['lowestBattery', 'silentDevices', 'anomalies', 'alerts'] as const)
      expect(model.tables[name]).toEqual({
        rows: [],
        total: 0,
        empty: expect.stringMatching(/not found in this warehouse/),
      });
    expect(model.kpis).toEqual({
      devices: null,
      silentDevices: null,
      lowBatteryDevices: null,
      records: null,
      readings: null,
      duplicateRecords: null,
      lateRecords: null,
      maxLatenessSeconds: null,
      anomalies: null,
      alerts: null,
    });
    expect(html).toContain('No data yet');
    expect(embeddedModel(html)).toEqual(model);
  });

  it('says the tables exist but hold no rows yet, once they are created', async () => {
    await createSchema(warehouse);
    const { model } = await buildDashboard({ warehouse, now: NOW });
    expect(model.problems).toEqual([]);
    expect(Object.values(model.relations).every(Boolean)).toBe(true);
    expect(model.charts[0]!.empty).toBe(
      'No real-time windows yet: analytics-sink writes one row per device and window.',
    );
    for (const chart of model.charts.slice(1))
      expect(chart.empty).toBe('No reported hours yet: report-runner loads one slice per hour of the lake.');
    expect(model.tables.alerts).toEqual({ rows: [], total: 0, empty: 'No threshold alert has been sent.' });
    expect(model.freshness.status).toBe('no-data');
  });

  it('escapes whatever the data holds: text in HTML, the model in its script element', async () => {
    const hostile = '</script><script>alert(1)</script>';
    const site = '<img src=x onerror=alert(2)>';
    const reports = new Map(loadReports().map(({ name, table }) => [name, table]));
    const scope = { dt: '2026-03-02', hour: '11' };
    await warehouse.replaceRows({
      table: reports.get('data_quality')!,
      scope,
      rows: [{ ...scope, records: 1 }],
    });
    await warehouse.replaceRows({
      table: reports.get('anomalies')!,
      scope,
      rows: [
        {
          dt: '2026-03-02',
          hour: '11',
          event_id: 'f'.repeat(32),
          device_id: hostile,
          site,
          event_time: '2026-03-02 11:10:00.000',
          metric: 'temperature',
          value: 61,
          threshold_min: -20,
          threshold_max: 50,
        },
      ],
    });
    const { html, model } = await buildDashboard({ warehouse, now: NOW });
    expect(html).not.toContain(hostile);
    expect(html).not.toContain(site);
    expect(html).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(html.match(/<script/g)).toHaveLength(3);
    expect(embeddedModel(html).tables.anomalies.rows[0]).toEqual(
      expect.objectContaining({ device_id: hostile, site }),
    );
    expect(model.tables.anomalies.rows).toHaveLength(1);
    await db.exec('DELETE FROM report_anomalies; DELETE FROM report_data_quality');
  });
});

describe('the dashboard generator on a stage without a warehouse (report outputs and real-time tables)', () => {
  let warehouse: PostgresWarehouse;
  afterAll(() => warehouse?.close());

  /** Report outputs as report-runner writes them: one slice of rows per report and hour. */
  const outputs = (rows: FixtureRows['rows']): ReportRowsReader => {
    const byRelation = new Map(
      ['device_hourly_stats', 'site_hourly_summary', 'anomalies', 'data_quality', 'quarantine_by_reason'].map(
        (name) => [`report_${name}`, rows[name]!],
      ),
    );
    const hourOf = ({ dt, hour }: WarehouseRow) => `${String(dt)} ${String(hour)}`;
    return {
      exists: async (relation) => (byRelation.get(relation) ?? []).length > 0,
      hours: async (relation) => [...new Set((byRelation.get(relation) ?? []).map(hourOf))].sort(),
      rows: async (relation, since) => (byRelation.get(relation) ?? []).filter((row) => hourOf(row) >= since),
    };
  };

  it('gives the model the warehouse gives: the same panels aggregated over the rows of the hours charted', async () => {
    warehouse = await fixtureWarehouse(fixture);
    const fromWarehouse = await buildDashboard({ warehouse, now: NOW, environment: 'test' });
    // Report rows in an order no warehouse would return, so the aggregation must order them.
    const shuffled = Object.fromEntries(
      Object.entries(fixture.rows).map(([name, rows]) => [name, [...rows].reverse()]),
    );
    const fromOutputs = await buildDashboard({
      source: reportRowsDashboardSource(warehouseDashboardSource(warehouse), outputs(shuffled)),
      now: NOW,
      environment: 'test',
    });
    expect(fromOutputs.model.readFrom).toBe('the report outputs and the real-time tables');
    expect(fromOutputs.model.tables.rejections.empty).toMatch(
      /^Not in the report outputs and the real-time tables: records dropped or failed/,
    );
    expect(asReadFromWarehouse(fromOutputs.model)).toEqual(fromWarehouse.model);
  });

  it('says which report has no completed run yet, naming the stage rather than a warehouse', async () => {
    const { model } = await buildDashboard({
      source: reportRowsDashboardSource(warehouseDashboardSource(warehouse), outputs({})),
      now: NOW,
    });
    const quality = model.charts.find(({ id }) => id === 'records-per-hour')!;
    expect(quality.empty).toBe(
      'No data yet: report_data_quality not found in this stage (not created yet, or not readable).',
    );
    expect(model.relations.report_data_quality).toBe(false);
    expect(model.relations.realtime_device_window).toBe(true);
  });
});
