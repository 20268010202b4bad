import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CLIENT_SCRIPT } from '../src/client';
import { renderDashboardHtml, scriptJson, type ChartModel, type DashboardModel } from '../src';
import { UPLOT_CSS, UPLOT_JS, UPLOT_VERSION } from '../src/vendor/uplot';

const chart = (id: string, overrides: Partial<ChartModel> = {}): ChartModel => ({
  id,
  kind: 'line',
  title: `Chart ${id}`,
  description: 'What it shows.',
  unit: '°C',
  yLabel: 'Temperature (°C)',
  xLabel: 'Hour (UTC)',
  step: 3600,
  x: [1_772_400_000, 1_772_403_600],
  series: [{ label: 'site-a', values: [20.5, null] }],
  ...overrides,
});

const model: DashboardModel = {
  version: 1,
  title: 'Ingestion pipeline',
  generatedAt: '2026-03-02T12:04:30.000Z',
  relations: {},
  freshness: {
    status: 'stale',
    newestEventTime: null,
    newestEventAgeSeconds: null,
    newestReportHour: '2026-03-02 08:00',
    newestReportAgeSeconds: 10_800,
  },
  coverage: { realtime: null, reports: null, realtimeChart: null, reportCharts: null },
  kpis: {
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
  },
  settings: { reportHours: 72, realtimeMinutes: 180, silentAfterHours: 2, lowBatteryPercent: 15 },
  charts: [
    chart('events-per-minute', { x: [], series: [], empty: 'No real-time windows yet.' }),
    ...['temperature', 'humidity', 'pressure', 'battery'].map((metric) => chart(`site-${metric}`)),
    chart('records-per-hour'),
    chart('duplicates-late'),
    chart('anomalies-per-hour', { kind: 'stacked-bars' }),
    chart('quarantine-by-reason', { kind: 'stacked-bars' }),
  ],
  tables: {
    lowestBattery: { rows: [], total: 0, empty: 'None.' },
    silentDevices: { rows: [], total: 0, empty: 'None.' },
    anomalies: { rows: [], total: 0, empty: 'None.' },
    alerts: { rows: [], total: 0, empty: 'None.' },
    rejections: { rows: [], total: 0, records: 0, provided: false, empty: 'Not in the warehouse.' },
  },
  problems: [],
};

const inlineScripts = (html: string): string[] =>
  [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((match) => match[1]!);

describe('the dashboard page', () => {
  const html = renderDashboardHtml(model);

  it('lets the browser run exactly its two inline scripts (uPlot and the chart script), by hash', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/
      .exec(html)![1]!
      .replaceAll('&#39;', "'");
    const scripts = inlineScripts(html);
    expect(scripts).toHaveLength(2);
    expect(scripts[1]).toBe(CLIENT_SCRIPT);
    const hashes = scripts.map(
      (script) => `'sha256-${createHash('sha256').update(script).digest('base64')}'`,
    );
    expect(csp).toContain(`script-src ${hashes.join(' ')};`);
    expect(csp).toMatch(/^default-src 'none';/);
    expect(csp).not.toMatch(/connect-src|https?:/);
  });

  it('ships a chart script that parses', () => {
    expect(() => new Function(CLIENT_SCRIPT)).not.toThrow();
  });

  it('renders an empty state instead of a chart without data, and describes each chart for screen readers', () => {
    expect(html).toContain('<div class="empty" role="note">No real-time windows yet.</div>');
    expect(html).not.toContain('data-chart-plot="events-per-minute"');
    expect(html).toContain(
      'data-chart-plot="site-temperature" role="img" aria-label="Chart site-temperature: 1 series (site-a) over 2 points, Temperature (°C) against Hour (UTC)."',
    );
    expect(html).toContain('data-freshness="stale"');
  });

  it('names the store it was read from: the warehouse, or on a stage without one what was read instead', () => {
    const empty = { ...model, freshness: { ...model.freshness, newestReportHour: null } };
    const fromWarehouse = renderDashboardHtml(empty);
    expect(fromWarehouse).toContain('<p>Read from the warehouse: ');
    expect(fromWarehouse).toContain('No real-time windows and no reports yet in the warehouse.');
    const readFrom = 'the report outputs & the real-time tables';
    const withoutWarehouse = renderDashboardHtml({
      ...empty,
      readFrom,
      tables: { ...empty.tables, rejections: { ...empty.tables.rejections, empty: `Not in ${readFrom}.` } },
    });
    expect(withoutWarehouse).not.toMatch(/warehouse/i);
    expect(withoutWarehouse).toContain('<p>Read from the report outputs &amp; the real-time tables: ');
    expect(withoutWarehouse).toContain(
      'No real-time windows and no reports yet in the report outputs &amp; the real-time tables.',
    );
  });

  it('embeds the model as JSON that cannot close its script element', () => {
    expect(scriptJson({ text: '</script><!-- & \u2028' })).toBe(
      '{"text":"\\u003c/script\\u003e\\u003c!-- \\u0026 \\u2028"}',
    );
    expect(JSON.parse(scriptJson({ text: '</script>' }))).toEqual({ text: '</script>' });
  });

  it('inlines the installed uPlot, unchanged (run `node scripts/vendor-uplot.mjs` after an upgrade)', () => {
    const root = path.dirname(require.resolve('uplot/package.json'));
    const installed = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(UPLOT_VERSION).toBe(installed.version);
    expect(UPLOT_JS).toBe(readFileSync(path.join(root, 'dist/uPlot.iife.min.js'), 'utf8').trim());
    expect(UPLOT_CSS).toBe(readFileSync(path.join(root, 'dist/uPlot.min.css'), 'utf8').trim());
    expect(html).toContain(UPLOT_CSS);
  });
});
