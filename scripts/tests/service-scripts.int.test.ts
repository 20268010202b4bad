import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, SERVICE_NAMES } from '@pipeline/shared/testing';

const run = promisify(execFile);
const serviceDir = (service: string) => path.join(REPO_ROOT, 'services', service);

/** The files `npm test` runs in a service folder: the shared script's own list, through jest. */
const listedTests = async (service: string, ...narrowing: string[]): Promise<string[]> => {
  const { stdout } = await run(
    process.execPath,
    [path.join(REPO_ROOT, 'scripts', 'service.mjs'), 'list-tests', ...narrowing],
    {
      cwd: serviceDir(service),
      encoding: 'utf8',
    },
  );
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('/'))
    .map((file) => path.relative(REPO_ROOT, file))
    .sort();
};

/** The unit and integration test files in a service folder, found without jest. */
const testFilesIn = async (service: string): Promise<string[]> =>
  (await readdir(serviceDir(service), { recursive: true }))
    .filter((file) => !/(^|\/)(node_modules|\.esbuild|\.serverless)\//.test(file))
    .filter((file) => file.endsWith('.test.ts') && !/\.(e2e|browser)\.test\.ts$/.test(file))
    .map((file) => path.join('services', service, file))
    .sort();

describe.each(SERVICE_NAMES)("%s's npm test", (service) => {
  it('runs exactly the unit and integration tests of its own folder, its invoke-local and infrastructure tests among them', async () => {
    const listed = await listedTests(service);
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.filter((file) => !file.startsWith(`services/${service}/`))).toEqual([]);
    expect(listed).toEqual(await testFilesIn(service));
    expect(listed).toContain(`services/${service}/tests/invoke-local.int.test.ts`);
    expect(listed).toContain(`services/${service}/tests/infrastructure.int.test.ts`);
  });

  it('narrows to the files a pattern names inside its own folder, never reaching another workspace', async () => {
    // shared's infrastructure audit and every other service's infrastructure tests match too.
    const own = (await testFilesIn(service)).filter((file) => file.includes('infrastructure'));
    expect(own.length).toBeGreaterThan(0);
    expect(await listedTests(service, 'infrastructure')).toEqual(own);
  });
});
