/// <reference lib="dom" />
// (The DOM library: page.evaluate callbacks run in the page, with its globals.)
// The generated page in a real browser: Debian's Chromium driven by playwright-core, the file
// opened from disk like a downloaded report. Screenshots go to test-results/dashboard/ (git-ignored);
// UPDATE_DOCS_SCREENSHOT=1 also copies the overview to docs/dashboard.png for the README.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { PostgresWarehouse } from '@pipeline/shared/warehouse';
import { generateDashboard, type DashboardModel } from '../src';
import { expectedDashboard } from './expected';
import { fixtureRows, fixtureWarehouse, NOW } from './fixture';

const ROOT = path.resolve(__dirname, '../../..');
const OUT = path.join(ROOT, 'test-results', 'dashboard');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
// A common laptop screen.
const VIEWPORT = { width: 1440, height: 900 };

interface Opened {
  page: Page;
  errors: string[];
  requests: string[];
}

describe('the dashboard in Chromium', () => {
  const fixture = fixtureRows();
  const expected = expectedDashboard(fixture);
  let warehouse: PostgresWarehouse;
  let profile: string;
  let context: BrowserContext;
  let full: { outFile: string; model: DashboardModel };
  let empty: { outFile: string; model: DashboardModel };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} is missing: apt-get install -y --no-install-recommends chromium fonts-liberation (or set CHROMIUM_PATH)`,
      );
    }
    await mkdir(OUT, { recursive: true });
    warehouse = await fixtureWarehouse(fixture);
    full = await generateDashboard({
      warehouse,
      now: NOW,
      environment: 'dev',
      outFile: path.join(OUT, 'index.html'),
      rejections: {
        scope: 'the last local run',
        counts: [
          { stage: 'ingest-transform', outcome: 'failed', reason: 'invalid_schema', count: 37 },
          { stage: 'ingest-transform', outcome: 'dropped', reason: 'heartbeat', count: 412 },
          { stage: 'analytics-sink', outcome: 'failed', reason: 'oversized_record', count: 2 },
        ],
      },
    });
    // A warehouse in which nothing exists yet: every panel in its empty state.
    empty = await generateDashboard({
      warehouse: { select: async () => [] },
      now: NOW,
      outFile: path.join(OUT, 'empty.html'),
    });
    profile = await mkdtemp(path.join(tmpdir(), 'chromium-profile-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: VIEWPORT,
    });
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await warehouse?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  const open = async (file: string): Promise<Opened> => {
    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning')
        errors.push(`${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    page.on('request', (request) => requests.push(request.url()));
    // "generated 3 min ago" in the screenshot, whatever day the test runs.
    await page.clock.setFixedTime(new Date(NOW.getTime() + 3 * 60_000));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    return { page, errors, requests };
  };

  it('draws every chart with the expected series and points, without a console error or a network request', async () => {
    const { page, errors, requests } = await open(full.outFile);
    await page.waitForSelector('body[data-charts-rendered]');
    expect(await page.getAttribute('body', 'data-charts-rendered')).toBe(
      String(Object.keys(expected.charts).length),
    );

    for (const [id, chart] of Object.entries(expected.charts)) {
      const drawn = await page.evaluate((chartId) => {
        const plot = (
          window as unknown as {
            dashboard: {
              plots: Record<string, { series: unknown[]; data: unknown[][]; axes: { label?: string }[] }>;
            };
          }
        ).dashboard.plots[chartId]!;
        const host = document.querySelector(`[data-chart-plot="${chartId}"]`)!;
        const canvas = host.querySelector('canvas')!;
        const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 0; i < pixels.length; i += 4) if (pixels[i + 3]! > 0) painted += 1;
        return {
          series: plot.series.length - 1,
          points: plot.data[0]!.length,
          valuesPerSeries: plot.data.slice(1).map((values) => values.length),
          legendRows: host.querySelectorAll('.u-legend tr.u-series').length,
          legendLabels: Array.from(host.querySelectorAll('.u-legend tr.u-series th .u-label')).map(
            (label) => label.textContent,
          ),
          canvasWidth: canvas.getBoundingClientRect().width,
          painted,
          // uPlot draws axes on the canvas: their labels are in its options.
          axisLabels: plot.axes.map(({ label }) => label),
        };
      }, id);
      const model = full.model.charts.find((candidate) => candidate.id === id)!;
      expect({ id, ...drawn }).toEqual({
        id,
        series: chart.series.length,
        points: chart.x.length,
        valuesPerSeries: chart.series.map(() => chart.x.length),
        legendRows: chart.series.length + 1,
        legendLabels: ['Time (UTC)', ...chart.series.map(({ label }) => label)],
        canvasWidth: expect.any(Number),
        painted: expect.any(Number),
        axisLabels: [model.xLabel, model.yLabel],
      });
      expect(drawn.canvasWidth).toBeGreaterThan(400);
      // Lines, points and grid are drawn: far more than a blank canvas.
      expect(drawn.painted).toBeGreaterThan(2_000);
    }

    // Tables and summary are in the page; the layout fits a laptop screen without sideways scrolling.
    expect(await page.locator('[data-table="anomalies"] tbody tr').count()).toBe(
      expected.tables.anomalies.rows.length,
    );
    expect(await page.locator('[data-table="silent-devices"] tbody tr').count()).toBe(2);
    expect(await page.locator('[data-table="rejections"] tbody tr').count()).toBe(3);
    expect(await page.getAttribute('[data-freshness]', 'data-freshness')).toBe('fresh');
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);

    await page.screenshot({ path: path.join(OUT, 'dashboard.png'), fullPage: true });
    await page.screenshot({ path: path.join(OUT, 'dashboard-top.png') });
    // For the README: the summary, the real-time chart and the sites, down to "Fleet health".
    const fleet = (await page.locator('#fleet-heading').boundingBox())!;
    await page.screenshot({
      path: path.join(OUT, 'dashboard-overview.png'),
      fullPage: true,
      clip: { x: 0, y: 0, width: VIEWPORT.width, height: Math.round(fleet.y - 12) },
    });
    if (process.env.UPDATE_DOCS_SCREENSHOT === '1')
      await copyFile(path.join(OUT, 'dashboard-overview.png'), path.join(ROOT, 'docs', 'dashboard.png'));

    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(full.outFile).href]);
    await page.close();
  }, 120_000);

  it('keeps the charts inside their cards when the window is resized', async () => {
    const { page, errors } = await open(full.outFile);
    await page.waitForSelector('body[data-charts-rendered]');
    await page.setViewportSize({ width: 1100, height: 800 });
    await page.waitForFunction(() => {
      const host = document.querySelector('[data-chart-plot="site-temperature"]')!;
      return (
        Math.abs(
          host.querySelector('.uplot')!.getBoundingClientRect().width - host.getBoundingClientRect().width,
        ) < 2
      );
    });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('shows an empty state for every panel of an empty warehouse, and no error', async () => {
    const { page, errors, requests } = await open(empty.outFile);
    await page.waitForSelector('body[data-charts-rendered]');
    expect(await page.getAttribute('body', 'data-charts-rendered')).toBe('0');
    expect(await page.locator('canvas').count()).toBe(0);
    const messages = await page.locator('figure[data-chart] .empty').allTextContents();
    expect(messages).toHaveLength(empty.model.charts.length);
    for (const message of messages) expect(message).toMatch(/^No data yet: .* not found in this warehouse/);
    expect(await page.locator('[data-table] .empty').count()).toBe(5);
    expect(await page.textContent('[data-freshness]')).toContain('No data yet');
    await page.screenshot({ path: path.join(OUT, 'empty.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(empty.outFile).href]);
    await page.close();
  }, 60_000);
});
