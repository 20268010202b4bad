import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '@pipeline/shared/testing';

const RUN_TOGETHER = path.join(REPO_ROOT, 'scripts', 'run-together.mjs');

let dir: string;
beforeAll(async () => {
  // A package of its own, whose npm scripts say when they ran.
  dir = await mkdtemp(path.join(tmpdir(), 'run-together-'));
  const scripts = {
    first: 'echo first ran',
    second: 'echo second ran',
    fails: 'echo fails ran && exit 3',
    beside: 'echo beside ran',
    // Long enough that only a stop ends it within the test's time.
    slow: "sleep 60 && printf 'slow%sended\\n' ' '",
  };
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'probe', private: true, scripts }));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const runTogether = (...args: string[]): Promise<{ code: number; output: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, [RUN_TOGETHER, ...args], { cwd: dir, encoding: 'utf8' }, (error, stdout) =>
      resolve({ code: error ? Number(error.code) : 0, output: stdout }),
    );
  });

/** The outcome line of each script, in the order printed. */
const outcomes = (output: string) => output.split('\n').filter((line) => line.startsWith('< npm run'));

describe('node scripts/run-together.mjs', () => {
  it('runs a chain one script after another beside the other arguments, and passes when all passed', async () => {
    const { code, output } = await runTogether('first,second', 'beside');
    expect(code).toBe(0);
    expect(outcomes(output).map((line) => line.replace(/ in \d+ s$/, ''))).toEqual([
      '< npm run first passed',
      '< npm run second passed',
      '< npm run beside passed',
    ]);
    expect(output).toContain('second ran');
    expect(output).toContain('beside ran');
  }, 60_000);

  it('stops everything at the first failure, child processes included, and exits 1', async () => {
    const started = Date.now();
    const { code, output } = await runTogether('first,fails,second', 'slow');
    expect(code).toBe(1);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(outcomes(output).map((line) => line.replace(/ in \d+ s$/, ''))).toEqual([
      '< npm run first passed',
      '< npm run fails failed (exit 3)',
      '< npm run slow stopped, as another one failed',
    ]);
    expect(output).not.toContain('slow ended');
    expect(output).not.toContain('second ran');
  }, 60_000);
});
