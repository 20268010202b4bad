import { rm } from 'node:fs/promises';
import path from 'node:path';
import { main } from '../../src/smoke/cli';
import { withLocalCloud } from '../../src/ops/local';
import { localSmokeTarget } from '../../src/smoke/local';
import { runSmoke, type SmokeOutput } from '../../src/smoke/run';
import { E2E_SETUP_TIMEOUT_MS, filesUnder, quietHour, Scratch } from '../scratch';

// A small local cloud run, then `npm run smoke -- --target local` against its folder: the smoke
// messages go through the real handlers and the books are read back through the local adapters
// (DuckDB over the lake folder, the folder object store, the PGlite real-time tables).

let root: string;
const scratch = new Scratch();

const recorder = () => {
  const lines: string[] = [];
  const errors: string[] = [];
  const out: SmokeOutput = {
    line: (text) => lines.push(text),
    progress: () => {},
    error: (text) => errors.push(text),
  };
  return { out, lines, errors };
};

beforeAll(async () => {
  root = await scratch.folder('smoke-');
  const run = await scratch.run(quietHour(root, 'smoke'));
  expect(run.problems).toEqual([]);
}, E2E_SETUP_TIMEOUT_MS);

afterAll(() => scratch.dispose());

describe('npm run smoke -- --target local', () => {
  it(
    'balances the books of its messages through every hop and exits 0',
    async () => {
      const { out, lines, errors } = recorder();
      const code = await scratch.track(
        main(['--target', 'local', '--root', root, '--events', '40', '--run-id', 'e2eok'], out),
      );
      expect(errors).toEqual([]);
      expect(code).toBe(0);
      const text = lines.join('\n');
      expect(text).toContain('Smoke run e2eok');
      // The Kafka share goes through the local MSK cluster, its event source mapping and msk-consumer.
      expect(text).toContain('Kafka share: 5 records produced to topic telemetry of the local MSK cluster');
      expect(text).toMatch(/produced\s+40\s+5\s+45/);
      expect(text).toMatch(/delivered to the lake\s+32\s+3\s+35/);
      expect(text).toMatch(/balanced\s+yes\s+yes/);
      for (const reason of ['invalid_metrics', 'schema_violation', 'invalid_event_time', 'not_an_object'])
        expect(text).toMatch(new RegExp(`failed, devices: .*\\b${reason} 1\\b`));
      expect(text).toContain('dropped, devices:    heartbeat 4');
      expect(text).toMatch(/dropped, kafka:\s+heartbeat 1/);
      expect(text).toMatch(/failed, kafka:\s+invalid_metrics 1/);
      expect(text).toMatch(/device_hourly_stats counts 31 of 31 readings/);
      expect(text).toContain('alerts:              4 (table realtime_alert)');
      expect(text).toContain('real-time windows:   31 of 31 readings counted');
    },
    E2E_SETUP_TIMEOUT_MS,
  );

  it(
    'exits 1 naming the hop when the lake loses the objects holding the run',
    async () => {
      const lakeRaw = path.join(root, 'local-ingest', 'raw');
      const before = new Set(await filesUnder(lakeRaw));
      const { out, errors } = recorder();
      const code = await scratch.track(
        withLocalCloud(root, (ops) => {
          const target = localSmokeTarget(ops);
          return runSmoke(
            {
              ...target,
              settle: async () => {
                await target.settle();
                // The objects Firehose wrote for this run vanish before the books are read.
                for (const file of await filesUnder(lakeRaw)) if (!before.has(file)) await rm(file);
              },
            },
            { runId: 'e2elost', events: 20, timeoutMs: 5 * 60_000, pollMs: 60_000 },
            out,
          );
        }),
      );
      expect(code).toBe(1);
      const text = errors.join('\n');
      expect(text).toContain('Firehose -> lake: devices: expected 16 delivered, the lake holds 0');
      expect(text).toContain('Firehose -> lake: devices: produced 20 but delivered 0');
    },
    E2E_SETUP_TIMEOUT_MS,
  );
});
