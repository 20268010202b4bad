import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { DEFAULT_REGISTRY_KEY } from '@pipeline/shared/registry';
import { freshPglite, invokeStageLocal } from '@pipeline/local/testing';
import { invokeLocalWithOutput } from '@pipeline/shared/testing';

const serviceDir = join(__dirname, '..');

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });

let db: PGlite;
let server: PGLiteSocketServer;
let warehouseUrl: string;
// The local stage reads the registry from the local cloud's ingest bucket folder, never from S3.
let localCloud: string;
beforeEach(async () => {
  localCloud = await mkdtemp(join(tmpdir(), 'analytics-sink-local-cloud-'));
});
afterEach(() => rm(localCloud, { recursive: true, force: true }));

beforeAll(async () => {
  // The local cloud's warehouse: PGlite, reachable over the Postgres wire protocol.
  db = await freshPglite();
  const port = await freePort();
  server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 4 });
  await server.start();
  warehouseUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
}, 60_000);

afterAll(async () => {
  await server.stop();
  await db.close();
});

/**
 * Runs the README's `sls invoke local --stage local` command; returns the response and the log.
 * Through the shared helper, which holds the service lock: another test file packaging this
 * service at the same time empties the `.esbuild` folder the invocation bundles into.
 */
const invokeLocal = (eventFile: string) =>
  // Asynchronously: the warehouse answering the function lives in this process.
  invokeLocalWithOutput<Record<string, unknown>>(serviceDir, 'sink', eventFile, {
    stage: 'local',
    params: { warehouseUrl },
    env: { LOCAL_ROOT: localCloud, POWERTOOLS_LOG_LEVEL: 'WARN' },
  });

// The same function on the same stage without osls's start-up (invokeStageLocal): for the tests
// about what the stage-local handler does with an event, once the command itself is shown to work.
const invokeInProcess = (eventFile: string) =>
  invokeStageLocal<Record<string, unknown>>('analytics-sink', 'sink', eventFile, {
    params: { warehouseUrl },
    env: { LOCAL_ROOT: localCloud, POWERTOOLS_LOG_LEVEL: 'WARN' },
  });

describe('sls invoke local --stage local', () => {
  it('writes the final window to the local warehouse and logs its alerts', async () => {
    const { response, output } = await invokeLocal('events/window-4-final.json');

    expect(response).toEqual({ state: {}, batchItemFailures: [] });
    const rows = await db.query<{ device_id: string; event_count: string | number }>(
      'SELECT device_id, event_count FROM realtime_device_window ORDER BY device_id',
    );
    expect(rows.rows.map(({ device_id, event_count }) => [device_id, Number(event_count)])).toEqual([
      ['dev-0001', 3],
      ['dev-0002', 3],
      ['dev-0003', 2],
      ['dev-0101', 1],
    ]);
    expect(output.match(/threshold alert/g)).toHaveLength(2);
    // No registry in the local cloud folder: said once, and the configured thresholds apply.
    expect(output).toContain('device registry could not be loaded');
  }, 120_000);
});

describe('the sink on stage local, configured as sls invoke local configures it', () => {
  it('aggregates a batch offline and returns the window state', async () => {
    const { response } = await invokeInProcess('events/window-1-open.json');
    expect(response).toEqual({
      state: expect.objectContaining({ s: expect.any(String) }),
      batchItemFailures: [],
    });
  });

  it("alerts on a device's own thresholds from the registry in the local ingest bucket folder", async () => {
    // dev-0001 runs hot by design: its own maximum of 22.5 °C (the configured rule is temperature>80).
    const registryFile = join(localCloud, 'local-ingest', DEFAULT_REGISTRY_KEY);
    await mkdir(join(registryFile, '..'), { recursive: true });
    await writeFile(registryFile, '{"device_id":"dev-0001","site":"plant-berlin","temperature_max":22.5}\n');

    const { response, output } = await invokeInProcess('events/window-4-final.json');

    expect(response).toEqual({ state: {}, batchItemFailures: [] });
    expect(output).toContain('temperature_above_22_5');
    expect(output).not.toContain('device registry could not be loaded');
  });
});
