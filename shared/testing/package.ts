import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { CfnTemplate } from './template';

/** The monorepo root (this file lives in `shared/testing/`). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

const SLS = path.join(REPO_ROOT, 'node_modules', '.bin', 'sls');
const LOCK_WAIT_MS = 10 * 60_000;
// A lock older than this belongs to a packaging run that died without releasing it.
const STALE_LOCK_MS = 5 * 60_000;
const PACKAGE_TIMEOUT_MS = 4 * 60_000;

/** Options of {@link packageService}. */
export interface PackageOptions {
  /** Stage passed as `--stage`; default `test`. */
  stage?: string;
  /** Each entry is passed as `--param key=value`, as compose would. */
  params?: Record<string, string>;
}

/** What {@link packageService} produced. */
export interface PackagedService {
  /** `cloudformation-template-update-stack.json`, parsed. */
  template: CfnTemplate;
  /** Absolute paths of the zip artifacts, sorted. */
  artifacts: string[];
  /** The fresh `--package` directory holding the template, state and zips. */
  dir: string;
}

/** `sls package` exited with an error; `output` holds its stdout and stderr. */
export class PackageError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(`${message}\n${output}`);
    this.name = 'PackageError';
  }
}

/** The V8 code cache every osls process of the tests preloads (see the file). */
export const V8_CODE_CACHE = path.join(__dirname, 'v8-code-cache.cjs');

/**
 * `env` for an osls process (`sls package`, `sls invoke local`): with {@link V8_CODE_CACHE}
 * preloaded, so the node_modules it compiles at start are compiled once per machine, not once per
 * process. Its `NODE_OPTIONS` are kept.
 */
export const oslsEnvironment = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({
  ...env,
  NODE_OPTIONS: [env.NODE_OPTIONS, `--require ${JSON.stringify(V8_CODE_CACHE)}`].filter(Boolean).join(' '),
});

// What serverless-esbuild names the folder it stages a function's zip in, for the osls process `pid`.
const zipStagingName = (pid: number) => new RegExp(`^[^/]+-${pid}-\\d+-[0-9a-f]{8}$`);

/**
 * Removes the folders the ended osls process `pid` staged its zips in (in `folder`, the temp
 * folder). serverless-esbuild stages each function's zip in `<tmpdir>/<function>-<pid>-<ms>-<hex>`
 * and never removes it: its clean-up removes the folder without `recursive` and swallows the
 * ENOTEMPTY (https://github.com/floydspace/serverless-esbuild/pull/589; 1.57.2, the latest
 * release, has it), so every packaging would leave one folder per function in the temp folder.
 */
export const removeZipStagingOf = async (pid: number | undefined, folder = tmpdir()): Promise<void> => {
  if (pid === undefined) return;
  const staging = zipStagingName(pid);
  for (const entry of await readdir(folder).catch(() => [] as string[]))
    if (staging.test(entry)) await rm(path.join(folder, entry), { recursive: true, force: true });
};

const execFileAsync = promisify(execFile);

/**
 * Runs the repository's osls (`node_modules/.bin/sls`) as every test does: with the code cache
 * preloaded ({@link oslsEnvironment}) and, once it has ended, without the zip staging folders it
 * left ({@link removeZipStagingOf}). Rejects as `execFile` does, with `stdout` and `stderr` on the
 * error.
 */
export const runSls = async (
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; maxBuffer: number; timeout?: number },
): Promise<{ stdout: string; stderr: string }> => {
  const { env = process.env, ...rest } = options;
  const running = execFileAsync(SLS, args, { ...rest, env: oslsEnvironment(env), encoding: 'utf8' });
  try {
    return await running;
  } finally {
    await removeZipStagingOf(running.child.pid);
  }
};

/** `sls <args>` in `cwd`, its failure as a {@link PackageError} holding what osls printed. */
const run = async (args: string[], cwd: string): Promise<void> => {
  try {
    await runSls(args, {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
      maxBuffer: 32 * 1024 * 1024,
      timeout: PACKAGE_TIMEOUT_MS,
    });
  } catch (error) {
    const { message, stdout = '', stderr = '' } = error as Error & { stdout?: string; stderr?: string };
    throw new PackageError(
      `sls ${args.join(' ')} failed in ${cwd} (${message.split('\n')[0]})`,
      `${stdout}${stderr}`,
    );
  }
};

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const isStale = async (lockDir: string): Promise<boolean> => {
  try {
    const owner = Number(await readFile(path.join(lockDir, 'pid'), 'utf8'));
    if (Number.isInteger(owner) && owner > 0 && !isAlive(owner)) return true;
  } catch {
    // No pid yet: the owner is between mkdir and writeFile; only the age can tell.
  }
  try {
    return Date.now() - (await stat(lockDir)).mtimeMs > STALE_LOCK_MS;
  } catch {
    return false;
  }
};

/**
 * Runs `task` while holding a lock on the service folder, shared by every jest worker process.
 * serverless-esbuild builds in `<service>/.esbuild` and osls stages zips in `<service>/.serverless`,
 * so two `sls package` or `sls invoke local` runs in one service at once would mix or delete each
 * other's files: wrap any such command in this lock. Stale locks (dead owner) are taken over.
 *
 * @param serviceDir - the service folder; the lock is keyed by its absolute path
 */
export const withServiceLock = async <T>(serviceDir: string, task: () => Promise<T>): Promise<T> => {
  const id = createHash('sha256').update(path.resolve(serviceDir)).digest('hex').slice(0, 16);
  const lockDir = path.join(tmpdir(), `sls-package-${id}.lock`);
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (await isStale(lockDir)) {
        await rm(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${lockDir} (lock on ${serviceDir})`);
      await sleep(200);
    }
  }
  try {
    await writeFile(path.join(lockDir, 'pid'), String(process.pid));
    return await task();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
};

// What a service's packaging reads besides its own folder: the shared code and config files it
// imports (report-runner bundles the dashboard and defines QuickSight from its sources), the stage
// files, the local stage's handlers, and the locked dependency versions.
const PACKAGING_INPUTS = [
  'shared/src',
  'shared/schema',
  'shared/package.json',
  'dashboard/src',
  'dashboard/package.json',
  'config',
  'local/src',
  'package.json',
  'package-lock.json',
  'tsconfig.base.json',
  'tsconfig.json',
];
// Outputs and tests of a service folder, which its packaging does not read.
const NOT_INPUTS = new Set(['node_modules', '.esbuild', '.serverless', 'tests']);
// Environment osls resolves into the template (provider.region's fallbacks).
const PACKAGING_ENV = ['AWS_REGION', 'AWS_DEFAULT_REGION'];
// What check-params.cjs prints when a service's parameter rules refuse the values (params.ts).
const PARAMETER_REFUSAL = /Invalid deployment parameters of /;
// Cached packagings not used for this long are removed.
const CACHE_MAX_AGE_MS = 7 * 24 * 3_600_000;

/** The folder of cached packagings, shared by every jest worker and run on this machine. */
export const PACKAGE_CACHE_DIR = path.join(tmpdir(), 'sls-package-cache');

const hashTree = async (hash: ReturnType<typeof createHash>, root: string, relative: string) => {
  const absolute = path.join(root, relative);
  let entries;
  try {
    entries = await readdir(absolute, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code !== 'ENOTDIR') throw error;
    hash
      .update(`${relative}\0`)
      .update(await readFile(absolute))
      .update('\0');
    return;
  }
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (NOT_INPUTS.has(entry.name)) continue;
    const child = path.join(relative, entry.name);
    if (entry.isDirectory()) await hashTree(hash, root, child);
    else if (entry.isFile())
      hash
        .update(`${child}\0`)
        .update(await readFile(path.join(root, child)))
        .update('\0');
  }
};

/**
 * The cache key of one packaging: the service, stage and params, the relevant environment, and the
 * content of every file the packaging reads. Any edit gives a new key, so a cached packaging is
 * never stale, across runs too.
 */
export const packagingKey = async (serviceDir: string, stage: string, params: Record<string, string>) => {
  const hash = createHash('sha256');
  const cwd = path.resolve(serviceDir);
  hash.update(
    JSON.stringify({
      service: path.relative(REPO_ROOT, cwd),
      stage,
      params: Object.entries(params).sort(([a], [b]) => a.localeCompare(b)),
      env: PACKAGING_ENV.map((name) => [name, process.env[name] ?? null]),
    }),
  );
  await hashTree(hash, cwd, '.');
  for (const input of PACKAGING_INPUTS) await hashTree(hash, REPO_ROOT, input);
  return hash.digest('hex').slice(0, 32);
};

/**
 * Where the folders handed to the tests live: one folder per process (a jest worker), removed by
 * the first packaging of any later process once that process has ended. A test file whose hooks
 * timed out before its own clean-up therefore leaves nothing behind for long. (An exit hook
 * cannot do it: jest gives each test file its own `process` object, whose events never fire.)
 */
export const PACKAGE_COPIES_DIR = path.join(tmpdir(), 'sls-package-copies');

const removeCopiesOfEndedProcesses = async () => {
  for (const entry of await readdir(PACKAGE_COPIES_DIR).catch(() => [] as string[])) {
    const owner = Number(entry);
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && !isAlive(owner)) {
      await rm(path.join(PACKAGE_COPIES_DIR, entry), { recursive: true, force: true });
    }
  }
};

/** A new empty folder of this process under {@link PACKAGE_COPIES_DIR}. */
const scratchFolder = async (serviceDir: string, stage: string): Promise<string> => {
  const own = path.join(PACKAGE_COPIES_DIR, String(process.pid));
  await mkdir(own, { recursive: true });
  return mkdtemp(path.join(own, `${path.basename(serviceDir)}-${stage}-`));
};

const freshCopyOf = async (cached: string, serviceDir: string, stage: string): Promise<string> => {
  const dir = await scratchFolder(serviceDir, stage);
  await cp(cached, dir, { recursive: true });
  return dir;
};

const isDirectory = async (dir: string): Promise<boolean> => {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
};

const pruneCache = async () => {
  const now = Date.now();
  for (const entry of await readdir(PACKAGE_CACHE_DIR).catch(() => [] as string[])) {
    const dir = path.join(PACKAGE_CACHE_DIR, entry);
    const age = now - (await stat(dir).catch(() => ({ mtimeMs: now }))).mtimeMs;
    if (age > CACHE_MAX_AGE_MS) await rm(dir, { recursive: true, force: true });
  }
};

// Where `sls package` puts each packaging's artifacts: a folder named after the time of packaging.
const ARTIFACT_DIRECTORY = /(serverless\/[^/"]+\/[^/"]+\/)\d+-\d{4}-\d{2}-\d{2}T[\d:.]+Z/g;

/**
 * With `TEMPLATE_SNAPSHOT_DIR` set, every packaged template is also written there, one file per
 * service, stage and params, with the packaging time taken out. Running the infrastructure tests
 * before and after a refactoring of a `serverless.ts` and diffing the two folders proves the
 * templates unchanged (`scripts/compare-templates.sh`).
 */
const snapshotTemplate = async (
  serviceDir: string,
  stage: string,
  params: Record<string, string>,
  templateText: string,
) => {
  const snapshots = process.env.TEMPLATE_SNAPSHOT_DIR;
  if (!snapshots) return;
  const sortedParams = Object.entries(params).sort(([a], [b]) => a.localeCompare(b));
  const paramsId = createHash('sha256').update(JSON.stringify(sortedParams)).digest('hex').slice(0, 12);
  const name = `${path.basename(serviceDir)}--${stage}--${paramsId}`;
  await mkdir(snapshots, { recursive: true });
  await writeFile(path.join(snapshots, `${name}.params.json`), `${JSON.stringify(sortedParams, null, 2)}\n`);
  await writeFile(
    path.join(snapshots, `${name}.template.json`),
    templateText.replace(ARTIFACT_DIRECTORY, '$1<packaging-time>'),
  );
};

/**
 * Packages a service offline with `sls package --stage <stage> --package <dir>` (the repo's
 * `node_modules/.bin/sls`, i.e. osls) and returns the compiled template and zips, in a fresh
 * folder of the caller's own.
 *
 * One packaging per service, stage and params for all test files, workers and runs: the result is
 * kept in {@link PACKAGE_CACHE_DIR} under {@link packagingKey}, which changes with any file the
 * packaging reads, and each caller gets a copy (which it may delete; copies left behind are removed
 * once the process has ended, {@link PACKAGE_COPIES_DIR}). `.esbuild/` is removed before a packaging because stale files from
 * earlier builds were seen inside zips. Packagings of the same service are serialised across jest
 * workers by a lock, inside which the cache is read again, so a second worker asking for the same
 * packaging waits for the first and copies its result; different services package in parallel.
 * Needs no AWS credentials as long as the config uses no `${ssm:}`, `${cf:}`, `${s3:}` or `${aws:}`
 * variables. A cold packaging takes seconds: call it in `beforeAll`.
 *
 * @param serviceDir - the service folder holding `serverless.ts`, absolute or relative to the cwd
 * @example
 * ```ts
 * const { template, artifacts } = await packageService(path.join(__dirname, '..'), { params: { lakeFormat: 'json' } });
 * ```
 */
export const packageService = async (
  serviceDir: string,
  options: PackageOptions = {},
): Promise<PackagedService> => {
  const { stage = 'test', params = {} } = options;
  const cwd = path.resolve(serviceDir);
  await removeCopiesOfEndedProcesses();
  const cached = path.join(PACKAGE_CACHE_DIR, await packagingKey(cwd, stage, params));
  const dir = await withServiceLock(cwd, async () => {
    if (await isDirectory(cached)) {
      const now = new Date();
      await utimes(cached, now, now);
      return freshCopyOf(cached, cwd, stage);
    }
    const building = await scratchFolder(cwd, stage);
    const args = [
      'package',
      '--stage',
      stage,
      '--package',
      building,
      ...Object.entries(params).flatMap(([key, value]) => ['--param', `${key}=${value}`]),
    ];
    await rm(path.join(cwd, '.esbuild'), { recursive: true, force: true });
    await run(args, cwd);
    // Into the cache under a temporary name, then renamed: readers never see half a packaging.
    await mkdir(PACKAGE_CACHE_DIR, { recursive: true });
    const staging = `${cached}.${process.pid}.partial`;
    await cp(building, staging, { recursive: true });
    await rename(staging, cached).catch(() => rm(staging, { recursive: true, force: true }));
    await pruneCache();
    return building;
  });
  const templateText = await readFile(path.join(dir, 'cloudformation-template-update-stack.json'), 'utf8');
  await snapshotTemplate(cwd, stage, params, templateText);
  const template = JSON.parse(templateText) as CfnTemplate;
  const artifacts = (await readdir(dir))
    .filter((file) => file.endsWith('.zip'))
    .sort()
    .map((file) => path.join(dir, file));
  return { template, artifacts, dir };
};

/**
 * Runs `sls package` expecting it to fail (e.g. on a parameter the service's `src/params.ts`
 * refuses) and returns its output; packaging that succeeds fails the test. Checking parameters
 * happens while osls resolves variables, before any bundling, so a refusal takes seconds. A refusal
 * by the parameter rules (shared/src/serverless/params.ts) is kept like a packaging, under the same
 * key ({@link packagingKey}), for later runs; any other failure (a crash, a timeout) is not.
 */
export const packageFailure = async (serviceDir: string, options: PackageOptions = {}): Promise<string> => {
  const refusal = path.join(
    PACKAGE_CACHE_DIR,
    `${await packagingKey(serviceDir, options.stage ?? 'test', options.params ?? {})}.refused`,
  );
  const known = await readFile(refusal, 'utf8').catch(() => undefined);
  if (known !== undefined) return known;
  let packaged: PackagedService;
  try {
    packaged = await packageService(serviceDir, options);
  } catch (error) {
    if (!(error instanceof PackageError)) throw error;
    if (!PARAMETER_REFUSAL.test(error.output)) return error.output;
    await mkdir(PACKAGE_CACHE_DIR, { recursive: true });
    const staging = `${refusal}.${process.pid}.partial`;
    await writeFile(staging, error.output);
    await rename(staging, refusal);
    return error.output;
  }
  await rm(packaged.dir, { recursive: true, force: true });
  throw new Error(`sls package succeeded with ${JSON.stringify(options.params ?? {})}; expected a refusal`);
};
