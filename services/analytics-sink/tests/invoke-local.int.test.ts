import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

const serviceDir = join(__dirname, '..');
const sls = join(serviceDir, '..', '..', 'node_modules', '.bin', 'sls');
const run = promisify(execFile);

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

beforeAll(async () => {
  // The local cloud's warehouse: PGlite, reachable over the Postgres wire protocol.
  db = await PGlite.create();
  const port = await freePort();
  server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 4 });
  await server.start();
  warehouseUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
}, 60_000);

afterAll(async () => {
  await server.stop();
  await db.close();
});

/** Runs the README's `sls invoke local --stage local` command; returns the response and the log. */
const invokeLocal = async (
  eventFile: string,
): Promise<{ response: Record<string, unknown>; output: string }> => {
  // Asynchronously: the warehouse answering the function lives in this process.
  const { stdout, stderr } = await run(
    sls,
    [
      'invoke',
      'local',
      '--stage',
      'local',
      '-f',
      'sink',
      '-p',
      eventFile,
      '--param',
      `warehouseUrl=${warehouseUrl}`,
    ],
    {
      cwd: serviceDir,
      encoding: 'utf8',
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'WARN', POWERTOOLS_DEV: undefined, NO_COLOR: '1' },
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  // osls prints the response pretty-printed after the log lines: it starts at the last line that is "{".
  return {
    response: JSON.parse(stdout.slice(stdout.lastIndexOf('\n{\n') + 1)),
    output: `${stdout}${stderr}`,
  };
};

describe('sls invoke local --stage local', () => {
  it('aggregates a batch offline and returns the window state', async () => {
    const { response } = await invokeLocal('events/window-1-open.json');
    expect(response).toEqual({
      state: expect.objectContaining({ s: expect.any(String) }),
      batchItemFailures: [],
    });
  }, 120_000);

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
  }, 120_000);
});
