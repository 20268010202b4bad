import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
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

const run = (command: string, args: string[], cwd: string): Promise<void> =>
  new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        cwd,
        env: { ...process.env, NO_COLOR: '1' },
        maxBuffer: 32 * 1024 * 1024,
        timeout: PACKAGE_TIMEOUT_MS,
      },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new PackageError(
              `sls ${args.join(' ')} failed in ${cwd} (${error.message.split('\n')[0]})`,
              `${stdout}${stderr}`,
            ),
          );
        } else {
          resolve();
        }
      },
    );
  });

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

/**
 * Packages a service offline with `sls package --stage <stage> --package <fresh tmp dir>` (the
 * repo's `node_modules/.bin/sls`, i.e. osls) and returns the compiled template and zips.
 *
 * `.esbuild/` is removed first because stale files from earlier builds were seen inside zips.
 * Packagings of the same service are serialised across jest workers by a lock; different services
 * package in parallel. Needs no AWS credentials as long as the config uses no `${ssm:}`, `${cf:}`,
 * `${s3:}` or `${aws:}` variables. Takes a few seconds: call it once per test file, in `beforeAll`.
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
  const dir = await mkdtemp(path.join(tmpdir(), `sls-package-${path.basename(cwd)}-${stage}-`));
  const args = [
    'package',
    '--stage',
    stage,
    '--package',
    dir,
    ...Object.entries(params).flatMap(([key, value]) => ['--param', `${key}=${value}`]),
  ];
  await withServiceLock(cwd, async () => {
    await rm(path.join(cwd, '.esbuild'), { recursive: true, force: true });
    await run(SLS, args, cwd);
  });
  const template = JSON.parse(
    await readFile(path.join(dir, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as CfnTemplate;
  const artifacts = (await readdir(dir))
    .filter((file) => file.endsWith('.zip'))
    .sort()
    .map((file) => path.join(dir, file));
  return { template, artifacts, dir };
};

/**
 * Runs `sls package` expecting it to fail (e.g. on a parameter the service's `src/params.ts`
 * refuses) and returns its output; packaging that succeeds fails the test. Checking parameters
 * happens while osls resolves variables, before any bundling, so a refusal takes seconds.
 */
export const packageFailure = async (serviceDir: string, options: PackageOptions = {}): Promise<string> => {
  let packaged: PackagedService;
  try {
    packaged = await packageService(serviceDir, options);
  } catch (error) {
    if (error instanceof PackageError) return error.output;
    throw error;
  }
  await rm(packaged.dir, { recursive: true, force: true });
  throw new Error(`sls package succeeded with ${JSON.stringify(options.params ?? {})}; expected a refusal`);
};
