import { createHash } from 'node:crypto';
import { METRICS, type MetricName } from '@pipeline/shared';
import type { WarehouseRow, WarehouseValue } from '@pipeline/shared/warehouse';
import { CLIENT_SCRIPT } from './client';
import type { ChartModel, DashboardModel, FreshnessStatus, TableModel } from './model';
import { DASHBOARD_SOURCES } from './sources';
import { UPLOT_CSS, UPLOT_JS, UPLOT_VERSION } from './vendor/uplot';

/** Escapes text for HTML element content and attribute values. */
export const escapeHtml = (text: string): string =>
  text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');

/** JSON that is safe inside `<script type="application/json">`: no `<`, `>`, `&` or line separators. */
export const scriptJson = (value: unknown): string =>
  JSON.stringify(value)
    .replaceAll('<', '\\u003c')
    .replaceAll('>', '\\u003e')
    .replaceAll('&', '\\u0026')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029');

/** The embedded model's element id: tests and other tools read the data from it. */
export const DATA_ELEMENT_ID = 'dashboard-data';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const formatCount = (value: number | null): string => (value === null ? '–' : integer.format(value));
const formatValue = (value: WarehouseValue | undefined, unit = ''): string => {
  if (typeof value !== 'number') return '–';
  const digits = Math.abs(value) >= 100 ? 1 : 2;
  const text = value.toLocaleString('en-US', { maximumFractionDigits: digits });
  return unit ? `${text}${unit === '%' ? '' : ' '}${unit}` : text;
};
/** `2026-03-01 10:42:07.123` or an ISO time → `2026-03-01 10:42:07`. */
const formatTime = (
  value: WarehouseValue | undefined,
  precision: 'seconds' | 'minutes' = 'seconds',
): string =>
  typeof value === 'string'
    ? value
        .replace('T', ' ')
        .replace(/Z$/, '')
        .slice(0, precision === 'seconds' ? 19 : 16)
    : '–';
const formatAge = (seconds: number | null): string => {
  if (seconds === null) return '–';
  const sign = seconds < 0 ? 'in the future by ' : '';
  const size = Math.abs(seconds);
  const text =
    size < 90
      ? `${Math.round(size)} s`
      : size < 5400
        ? `${Math.round(size / 60)} min`
        : size < 172_800
          ? `${Math.round(size / 3600)} h`
          : `${Math.round(size / 86_400)} days`;
  return `${sign}${text}`;
};
const text = (value: WarehouseValue | undefined): string =>
  value === null || value === undefined ? '–' : String(value);
const unitOf = (metric: WarehouseValue | undefined): string =>
  typeof metric === 'string' && Object.hasOwn(METRICS, metric) ? METRICS[metric as MetricName].unit : '';

const STATUS_TEXT: Record<FreshnessStatus, string> = {
  fresh: 'Fresh',
  delayed: 'Delayed',
  stale: 'Stale',
  'no-data': 'No data yet',
};

const empty = (message: string): string => `<div class="empty" role="note">${escapeHtml(message)}</div>`;

const chartFigure = (chart: ChartModel, wide = false): string => {
  const body = chart.empty
    ? empty(chart.empty)
    : `<div class="plot" data-chart-plot="${escapeHtml(chart.id)}" role="img" aria-label="${escapeHtml(
        `${chart.title}: ${chart.series.length} series (${chart.series.map(({ label }) => label).join(', ')}) over ${chart.x.length} points, ${chart.yLabel} against ${chart.xLabel}.`,
      )}"></div>`;
  return `<figure class="card${wide ? ' wide' : ''}" id="chart-${escapeHtml(chart.id)}" data-chart="${escapeHtml(chart.id)}"${
    chart.empty ? ' data-empty="true"' : ''
  }>
<figcaption><h3>${escapeHtml(chart.title)} <span class="unit">(${escapeHtml(chart.unit)})</span></h3><p>${escapeHtml(chart.description)}</p></figcaption>
${body}${chart.note ? `\n<p class="note">${escapeHtml(chart.note)}</p>` : ''}
</figure>`;
};

interface Column<Row> {
  heading: string;
  numeric?: boolean;
  cell: (row: Row) => string;
}

const table = <Row>(
  id: string,
  title: string,
  description: string,
  model: TableModel<Row>,
  columns: Column<Row>[],
): string => {
  const shown =
    model.total > model.rows.length
      ? `<p class="note">${model.rows.length} of ${formatCount(model.total)} shown.</p>`
      : '';
  const body =
    model.rows.length === 0
      ? empty(model.empty ?? 'No rows.')
      : `<div class="table-scroll"><table>
<thead><tr>${columns.map(({ heading, numeric }) => `<th scope="col"${numeric ? ' class="num"' : ''}>${escapeHtml(heading)}</th>`).join('')}</tr></thead>
<tbody>
${model.rows
  .map(
    (row) =>
      `<tr>${columns.map(({ cell, numeric }) => `<td${numeric ? ' class="num"' : ''}>${cell(row)}</td>`).join('')}</tr>`,
  )
  .join('\n')}
</tbody></table></div>${shown}`;
  return `<section class="card" id="table-${id}" data-table="${id}" data-rows="${model.rows.length}">
<h3>${escapeHtml(title)}</h3><p class="caption">${escapeHtml(description)}</p>
${body}
</section>`;
};

const batteryCell = (row: WarehouseRow, low: number): string => {
  const value = typeof row.battery_min === 'number' ? row.battery_min : null;
  if (value === null) return '–';
  const width = Math.max(0, Math.min(100, value));
  return `<span class="meter${value < low ? ' low' : ''}" aria-hidden="true"><span style="width:${width.toFixed(
    0,
  )}%"></span></span>${escapeHtml(formatValue(value, '%'))}${value < low ? ' <span class="tag">low</span>' : ''}`;
};

const evidence = (row: WarehouseRow): string => {
  const value = typeof row.value === 'number' ? row.value : null;
  const unit = unitOf(row.metric);
  if (value === null) return '–';
  if (typeof row.threshold_max === 'number' && value > row.threshold_max)
    return `over the maximum ${formatValue(row.threshold_max, unit)} by ${formatValue(value - row.threshold_max, unit)}`;
  if (typeof row.threshold_min === 'number' && value < row.threshold_min)
    return `under the minimum ${formatValue(row.threshold_min, unit)} by ${formatValue(row.threshold_min - value, unit)}`;
  return 'within thresholds';
};

const kpi = (label: string, value: string, detail: string, id: string): string =>
  `<div class="kpi" data-kpi="${id}"><div class="label">${escapeHtml(label)}</div><div class="value">${escapeHtml(
    value,
  )}</div><div class="detail">${escapeHtml(detail)}</div></div>`;

const STYLE = `
:root { --fg: #1f2328; --muted: #57606a; --border: #d0d7de; --line: #eaeef2; --bg: #f6f8fa; --card: #fff;
  --ok: #1a7f37; --ok-bg: #dafbe1; --warn: #7d4e00; --warn-bg: #fff8c5; --bad: #b3261e; --bad-bg: #ffebe9; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", Arial, sans-serif; }
main { max-width: 1480px; margin: 0 auto; padding: 18px 24px 40px; }
header.top { display: flex; justify-content: space-between; align-items: flex-start; gap: 16px; flex-wrap: wrap; }
h1 { font-size: 1.55rem; margin: 0; }
h2 { font-size: 1.2rem; margin: 30px 0 2px; }
h3 { font-size: 1.02rem; margin: 0; }
.sub, .caption, figcaption p, .section-note, .note { color: var(--muted); }
.sub { margin: 4px 0 0; }
.section-note { margin: 0 0 12px; font-size: .92rem; }
.caption, figcaption p { margin: 2px 0 10px; font-size: .88rem; }
.note { font-size: .85rem; margin: 8px 0 0; }
.unit { color: var(--muted); font-weight: 400; }
.status { padding: 8px 14px; border-radius: 8px; font-weight: 600; border: 1px solid; max-width: 520px; }
.status small { display: block; font-weight: 400; }
.status-fresh { color: var(--ok); background: var(--ok-bg); border-color: #aceebb; }
.status-delayed { color: var(--warn); background: var(--warn-bg); border-color: #eed888; }
.status-stale, .status-no-data { color: var(--bad); background: var(--bad-bg); border-color: #ffcecb; }
.kpis { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 12px; margin-top: 16px; }
@media (max-width: 900px) { .kpis { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
.kpi, .card { background: var(--card); border: 1px solid var(--border); border-radius: 8px; }
.kpi { padding: 10px 14px; }
.kpi .label { color: var(--muted); font-size: .85rem; }
.kpi .value { font-size: 1.45rem; font-weight: 650; font-variant-numeric: tabular-nums; }
.kpi .detail { color: var(--muted); font-size: .83rem; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 16px; }
.card { padding: 12px 16px 14px; min-width: 0; margin: 0; }
.wide, #table-anomalies, #table-alerts { grid-column: 1 / -1; }
.plot { min-height: ${260 + 44}px; }
.empty { display: flex; align-items: center; justify-content: center; min-height: 110px; padding: 12px;
  color: var(--muted); background: #fafbfc; border: 1px dashed var(--border); border-radius: 6px; text-align: center; }
.table-scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
td.evidence { white-space: normal; }
th { color: var(--muted); font-weight: 600; }
.num { text-align: right; }
.meter { display: inline-block; width: 70px; height: 8px; margin-right: 8px; vertical-align: middle;
  background: var(--line); border-radius: 4px; overflow: hidden; }
.meter > span { display: block; height: 100%; background: #0072B2; }
.meter.low > span { background: var(--bad); }
.tag { display: inline-block; padding: 0 6px; border-radius: 10px; font-size: .75rem; font-weight: 600;
  color: var(--bad); background: var(--bad-bg); }
code { font-size: .85em; }
footer { margin-top: 32px; color: var(--muted); font-size: .82rem; }
.u-legend { font-size: .84rem; }
.u-legend .u-marker { border-radius: 2px; }
`;

/** A CSP source for an inline script: the page runs only the scripts it was generated with. */
const scriptHash = (script: string): string =>
  `'sha256-${createHash('sha256').update(script).digest('base64')}'`;

/**
 * The self-contained page: server-rendered summary, tables and empty states; the model embedded as
 * JSON; uPlot and the chart script inlined. A Content-Security-Policy lets it load nothing from the
 * network and run only those two scripts (by hash), whatever the data contains.
 */
export const renderDashboardHtml = (model: DashboardModel): string => {
  const { freshness, coverage, kpis, settings, tables } = model;
  const chart = (id: string) => model.charts.find((candidate) => candidate.id === id)!;
  const siteCharts = model.charts.filter(({ id }) => id.startsWith('site-'));
  const generated = formatTime(model.generatedAt, 'minutes');
  const low = settings.lowBatteryPercent;

  const readFrom = model.readFrom ?? 'the warehouse';
  const statusDetail =
    freshness.newestEventTime !== null
      ? `Newest reading ${formatTime(freshness.newestEventTime)} UTC, ${formatAge(freshness.newestEventAgeSeconds)} before generation.`
      : freshness.newestReportHour !== null
        ? `No real-time data; newest reported hour ${freshness.newestReportHour} UTC, ended ${formatAge(freshness.newestReportAgeSeconds)} before generation.`
        : `No real-time windows and no reports yet in ${readFrom}.`;

  const rangeText = [
    coverage.reports ? `Reports ${coverage.reports.from} → ${coverage.reports.to}` : 'No reports',
    coverage.realtime
      ? `real-time ${formatTime(coverage.realtime.from, 'minutes')} → ${formatTime(coverage.realtime.to, 'minutes').slice(11)}`
      : 'no real-time windows',
  ].join('; ');
  const reportWindow = coverage.reportCharts
    ? `Hourly reports, the newest ${coverage.reportCharts.hours} hours: ${coverage.reportCharts.from} to ${coverage.reportCharts.to} UTC (at most ${settings.reportHours}).`
    : 'No hourly reports yet.';
  const percentOf = (part: number | null, whole: number | null) =>
    part !== null && whole
      ? `${((100 * part) / whole).toFixed(part / whole < 0.01 ? 2 : 1)} % of records`
      : '';

  const kpiCards = [
    kpi(
      'Newest reading',
      freshness.newestEventTime
        ? `${formatTime(freshness.newestEventTime).slice(11)} UTC`
        : freshness.newestReportHour
          ? `${freshness.newestReportHour.slice(11)} UTC`
          : '–',
      freshness.newestEventTime
        ? `${freshness.newestEventTime.slice(0, 10)}, ${formatAge(freshness.newestEventAgeSeconds)} before generation`
        : freshness.newestReportHour
          ? `${freshness.newestReportHour.slice(0, 10)}: newest reported hour`
          : 'no data yet',
      'newest',
    ),
    kpi(
      'Time range covered',
      coverage.reports
        ? `${formatCount(coverage.reports.hours)} hours`
        : coverage.realtime
          ? 'real-time only'
          : '–',
      rangeText,
      'range',
    ),
    kpi(
      'Devices',
      formatCount(kpis.devices),
      kpis.devices === null
        ? 'no device report'
        : `${formatCount(kpis.silentDevices)} silent, ${formatCount(kpis.lowBatteryDevices)} below ${low} % battery`,
      'devices',
    ),
    kpi(
      'Readings',
      formatCount(kpis.readings),
      kpis.records === null ? 'no data-quality report' : `${formatCount(kpis.records)} records stored`,
      'readings',
    ),
    kpi(
      'Duplicate copies',
      formatCount(kpis.duplicateRecords),
      percentOf(kpis.duplicateRecords, kpis.records) || 'no data-quality report',
      'duplicates',
    ),
    kpi(
      'Late records',
      formatCount(kpis.lateRecords),
      kpis.maxLatenessSeconds === null
        ? 'no lateness measured'
        : `worst ${formatAge(kpis.maxLatenessSeconds)} late`,
      'late',
    ),
    kpi('Anomalies', formatCount(kpis.anomalies), 'readings outside thresholds, hours charted', 'anomalies'),
    kpi('Alerts sent', formatCount(kpis.alerts), 'real-time threshold alerts, all time', 'alerts'),
  ].join('\n');

  const newestHour = coverage.reportCharts
    ? Date.parse(`${coverage.reportCharts.to.replace(' ', 'T')}:00Z`)
    : null;
  const silentFor = (row: WarehouseRow) =>
    newestHour === null
      ? '–'
      : `${Math.round((newestHour - Date.parse(`${String(row.dt)}T${String(row.hour)}:00:00Z`)) / 3_600_000)} h`;
  const hourOf = (row: WarehouseRow) => `${text(row.dt)} ${text(row.hour)}:00`;

  const sections = `
<section aria-labelledby="realtime-heading">
<h2 id="realtime-heading">Real-time</h2>
<p class="section-note">${escapeHtml(
    coverage.realtimeChart
      ? `Tumbling windows written by analytics-sink, ${formatTime(coverage.realtimeChart.from, 'minutes')} to ${formatTime(coverage.realtimeChart.to, 'minutes')} UTC (the newest ${settings.realtimeMinutes} minutes at most).`
      : 'Tumbling windows written by analytics-sink.',
  )}</p>
<div class="grid">${chartFigure(chart('events-per-minute'), true)}</div>
</section>

<section aria-labelledby="sites-heading">
<h2 id="sites-heading">Sites</h2>
<p class="section-note">${escapeHtml(reportWindow)}</p>
<div class="grid">
${siteCharts.map((site) => chartFigure(site)).join('\n')}
</div>
</section>

<section aria-labelledby="fleet-heading">
<h2 id="fleet-heading">Fleet health</h2>
<p class="section-note">${escapeHtml(
    `Each device's newest reported hour. Silent: no readings in the newest ${settings.silentAfterHours} hours reported.`,
  )}</p>
<div class="grid">
${table(
  'lowest-battery',
  'Lowest battery',
  `Devices by the lowest battery level of their newest reported hour; below ${low} % is marked low.`,
  tables.lowestBattery,
  [
    { heading: 'Device', cell: (row) => escapeHtml(text(row.device_id)) },
    { heading: 'Site', cell: (row) => escapeHtml(text(row.site)) },
    { heading: 'Battery (%)', cell: (row) => batteryCell(row, low) },
    { heading: 'Hour (UTC)', cell: (row) => escapeHtml(hourOf(row)) },
    { heading: 'Readings', numeric: true, cell: (row) => escapeHtml(formatValue(row.readings)) },
  ],
)}
${table(
  'silent-devices',
  'Silent devices',
  'Devices whose newest readings are older than the others’.',
  tables.silentDevices,
  [
    { heading: 'Device', cell: (row) => escapeHtml(text(row.device_id)) },
    { heading: 'Site', cell: (row) => escapeHtml(text(row.site)) },
    { heading: 'Last reported hour (UTC)', cell: (row) => escapeHtml(hourOf(row)) },
    { heading: 'Silent for', numeric: true, cell: (row) => escapeHtml(silentFor(row)) },
    { heading: 'Battery then (%)', numeric: true, cell: (row) => escapeHtml(formatValue(row.battery_min)) },
  ],
)}
</div>
</section>

<section aria-labelledby="anomalies-heading">
<h2 id="anomalies-heading">Anomalies and alerts</h2>
<p class="section-note">Hourly anomalies from the anomalies report (thresholds are report-runner parameters); alerts from analytics-sink's real-time rules.</p>
<div class="grid">
${chartFigure(chart('anomalies-per-hour'), true)}
${table(
  'anomalies',
  'Latest anomalies',
  'The newest readings outside their thresholds, with the evidence.',
  tables.anomalies,
  [
    { heading: 'Event time (UTC)', cell: (row) => escapeHtml(formatTime(row.event_time)) },
    { heading: 'Device', cell: (row) => escapeHtml(text(row.device_id)) },
    { heading: 'Site', cell: (row) => escapeHtml(text(row.site)) },
    { heading: 'Metric', cell: (row) => escapeHtml(text(row.metric)) },
    {
      heading: 'Value',
      numeric: true,
      cell: (row) => escapeHtml(formatValue(row.value, unitOf(row.metric))),
    },
    {
      heading: 'Allowed',
      cell: (row) =>
        escapeHtml(
          `${formatValue(row.threshold_min)} to ${formatValue(row.threshold_max)}${unitOf(row.metric) ? ` ${unitOf(row.metric)}` : ''}`,
        ),
    },
    { heading: 'Evidence', cell: (row) => escapeHtml(evidence(row)) },
    {
      heading: 'Event',
      cell: (row) =>
        `<code title="${escapeHtml(text(row.event_id))}">${escapeHtml(text(row.event_id).slice(0, 8))}</code>`,
    },
  ],
)}
${table(
  'alerts',
  'Real-time alerts',
  'Alerts analytics-sink sent, newest window first, with the observed value.',
  tables.alerts,
  [
    {
      heading: 'Window (UTC)',
      cell: (row) =>
        escapeHtml(`${formatTime(row.window_start, 'minutes')}–${formatTime(row.window_end).slice(11, 16)}`),
    },
    { heading: 'Device', cell: (row) => escapeHtml(text(row.device_id)) },
    { heading: 'Rule', cell: (row) => `<code>${escapeHtml(text(row.rule_id))}</code>` },
    {
      heading: 'Observed',
      numeric: true,
      cell: (row) => escapeHtml(formatValue(row.observed, unitOf(row.metric))),
    },
    {
      heading: 'Threshold',
      numeric: true,
      cell: (row) => escapeHtml(`${text(row.comparison)} ${formatValue(row.threshold, unitOf(row.metric))}`),
    },
    { heading: 'Readings', numeric: true, cell: (row) => escapeHtml(formatValue(row.readings)) },
    {
      heading: 'Average',
      numeric: true,
      cell: (row) => escapeHtml(formatValue(row.average, unitOf(row.metric))),
    },
    { heading: 'Sent (UTC)', cell: (row) => escapeHtml(formatTime(row.published_at)) },
  ],
)}
</div>
</section>

<section aria-labelledby="quality-heading">
<h2 id="quality-heading">Data quality</h2>
<p class="section-note">${escapeHtml(reportWindow)}</p>
<div class="grid">
${chartFigure(chart('records-per-hour'))}
${chartFigure(chart('duplicates-late'))}
${chartFigure(chart('quarantine-by-reason'), true)}
${table(
  'rejections',
  'Dropped and failed records',
  `Records that never reached the lake, by stage and reason${tables.rejections.scope ? ` (${tables.rejections.scope})` : ''}.`,
  tables.rejections,
  [
    { heading: 'Stage', cell: (row) => escapeHtml(row.stage) },
    { heading: 'Outcome', cell: (row) => escapeHtml(row.outcome) },
    { heading: 'Reason', cell: (row) => `<code>${escapeHtml(row.reason)}</code>` },
    { heading: 'Records', numeric: true, cell: (row) => escapeHtml(formatCount(row.count)) },
  ],
)}
</div>
</section>`;

  const problems =
    model.problems.length > 0
      ? `<div class="card problems" role="alert"><h3>Some panels could not be read</h3><ul>${model.problems
          .map((problem) => `<li>${escapeHtml(problem)}</li>`)
          .join('')}</ul></div>`
      : '';
  const sources = Object.values(DASHBOARD_SOURCES)
    .map(({ relation }) => `<code>${relation}</code>${model.relations[relation] ? '' : ' (missing)'}`)
    .join(', ');
  const uplot = UPLOT_JS.replace(/<\/script/gi, '<\\/script');
  const csp = [
    "default-src 'none'",
    `script-src ${scriptHash(uplot)} ${scriptHash(CLIENT_SCRIPT)}`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const title = `${model.title}${model.environment ? ` (${model.environment})` : ''}`;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="generator" content="@pipeline/dashboard">
<title>${escapeHtml(title)}: dashboard</title>
<style>${UPLOT_CSS}</style>
<style>${STYLE}</style>
</head>
<body>
<main>
<header class="top">
<div>
<h1>${escapeHtml(title)}</h1>
<p class="sub">Generated <time datetime="${escapeHtml(model.generatedAt)}">${escapeHtml(generated)} UTC</time> (<span data-age-from="${escapeHtml(
    model.generatedAt,
  )}">at generation</span>). All times are UTC.</p>
</div>
<div class="status status-${freshness.status}" role="status" data-freshness="${freshness.status}">${escapeHtml(
    STATUS_TEXT[freshness.status],
  )}<small>${escapeHtml(statusDetail)}</small></div>
</header>
${problems}
<div class="kpis">
${kpiCards}
</div>
${sections}
<footer>
<p>Read from ${escapeHtml(readFrom)}: ${sources}. Charts drawn with uPlot ${escapeHtml(UPLOT_VERSION)} (MIT licence), inlined: this page loads nothing from the network. Drag across a chart to zoom, double-click to reset.</p>
</footer>
</main>
<script type="application/json" id="${DATA_ELEMENT_ID}">${scriptJson(model)}</script>
<script>${uplot}</script>
<script>${CLIENT_SCRIPT}</script>
</body>
</html>
`;
};
