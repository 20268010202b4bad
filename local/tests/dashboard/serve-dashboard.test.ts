import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { rejectionsOfRun } from '../../src/dashboard/dashboard-hook';
import { localDashboardFile } from '../../src/dashboard/location';
import { createDashboardServer } from '../../src/dashboard/serve-dashboard';

describe('npm run dashboard', () => {
  let dir: string;
  let base: string;
  let close: () => Promise<void>;
  let file: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'serve-dashboard-'));
    file = localDashboardFile(path.join(dir, 'local-reports'));
    const server = createDashboardServer(file);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });
  afterAll(async () => {
    await close();
    await rm(dir, { recursive: true, force: true });
  });

  it('says to run npm start while there is no dashboard, then serves the file as it is now', async () => {
    expect(file).toBe(path.join(dir, 'local-reports', 'dashboard', 'index.html'));
    const missing = await fetch(`${base}/`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('run npm start first');

    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, '<!doctype html><title>one</title>');
    const first = await fetch(`${base}/`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(await first.text()).toBe('<!doctype html><title>one</title>');

    await writeFile(file, '<!doctype html><title>two</title>');
    expect(await (await fetch(`${base}/index.html`)).text()).toBe('<!doctype html><title>two</title>');
    const head = await fetch(`${base}/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('33');
  });

  it('is read-only and serves nothing else', async () => {
    const post = await fetch(`${base}/`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await fetch(`${base}/../../etc/passwd`)).status).toBe(404);
    expect((await fetch(`${base}/dashboard/other.html`)).status).toBe(404);
  });
});

describe('the dashboard after a local run', () => {
  it('lists the run’s dropped and failed records by source and reason', () => {
    const account = (dropped: Record<string, number>, failed: Record<string, number>) => ({
      produced: 0,
      delivered: 0,
      dropped,
      failed,
    });
    const summary = {
      sources: {
        devices: account({ heartbeat: 12 }, { invalid_schema: 3 }),
        kafka: account({}, { undecodable: 1 }),
      },
    } as unknown as Parameters<typeof rejectionsOfRun>[0];
    expect(rejectionsOfRun(summary)).toEqual([
      { stage: 'devices → hub', outcome: 'dropped', reason: 'heartbeat', count: 12 },
      { stage: 'devices → hub', outcome: 'failed', reason: 'invalid_schema', count: 3 },
      { stage: 'Kafka → msk-consumer', outcome: 'failed', reason: 'undecodable', count: 1 },
    ]);
  });
});
