import { rm } from 'node:fs/promises';
import path from 'node:path';
import { main, runLocalBooks, type BooksOutput } from '../../src/books/cli';
import { E2E_SETUP_TIMEOUT_MS, filesUnder, quietHour, Scratch } from '../scratch';

// A small local cloud run, then `npm run books -- --target local` against its folder: a smoke
// run's messages go through the real handlers and the books are read back through the same
// sources AWS keeps (the hub's and Firehose's metrics from the simulators, the functions' EMF,
// DuckDB over the lake with Athena's SQL, the error prefix, the run manifests).

let root: string;
const scratch = new Scratch();

const recorder = () => {
  const lines: string[] = [];
  const errors: string[] = [];
  const out: BooksOutput = { line: (text) => lines.push(text), error: (text) => errors.push(text) };
  return { out, lines, errors };
};

beforeAll(async () => {
  root = await scratch.folder('books-');
  const run = await scratch.run(quietHour(root, 'books'));
  expect(run.problems).toEqual([]);
}, E2E_SETUP_TIMEOUT_MS);

afterAll(() => scratch.dispose());

describe('npm run books -- --target local', () => {
  it(
    'balances every hop of a local session, exactly, and exits 0',
    async () => {
      const { out, lines, errors } = recorder();
      const code = await scratch.track(main(['--target', 'local', '--root', root, '--events', '40'], out));
      expect(errors).toEqual([]);
      expect(code).toBe(0);
      const text = lines.join('\n');
      // 40 messages: 32 rows (a duplicate stays a row of the lake), 4 heartbeats, 4 rejected.
      expect(text).toMatch(/produced\s+40\s+0\s+40/);
      expect(text).toMatch(/delivered to the lake\s+32\s+0\s+32/);
      expect(text).toMatch(/balanced\s+yes\s+yes/);
      expect(text).toContain('dropped, devices:');
      expect(text).toMatch(/hub -> Firehose:\s+records Firehose read from the hub: 40 of 40 {2}ok/);
      expect(text).toMatch(/transform -> lake:\s+lake rows: 32 of 32 {2}ok/);
      expect(text).toMatch(
        /transform -> error prefix:\s+processing failures in the error prefix: 4 of 4 {2}ok/,
      );
      expect(text).toMatch(/drift:\s+0 records no hop accounts for/);
    },
    E2E_SETUP_TIMEOUT_MS,
  );

  it(
    'exits 1 naming the hop when the lake loses the objects Firehose wrote for the session',
    async () => {
      const lakeRaw = path.join(root, 'local-ingest', 'raw');
      const before = new Set(await filesUnder(lakeRaw));
      const { out, errors } = recorder();
      const code = await scratch.track(
        runLocalBooks(root, 20, out, async () => {
          for (const file of await filesUnder(lakeRaw)) if (!before.has(file)) await rm(file);
        }),
      );
      expect(code).toBe(1);
      const text = errors.join('\n');
      expect(text).toContain('transform -> lake loses: lake rows 0, expected 16 (allowed difference 0)');
      expect(text).toContain('books: devices: produced 20 but delivered 0');
    },
    E2E_SETUP_TIMEOUT_MS,
  );
});
