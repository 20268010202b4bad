import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { withServiceLock } from './package';

const run = promisify(execFile);
const sls = path.resolve(__dirname, '..', '..', 'node_modules', '.bin', 'sls');

export interface InvokeLocalOptions {
  stage?: string;
  /** Extra environment for the invocation (the function's own comes from its serverless.ts). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs `sls invoke local -f <fn> -p <eventFile>` in a service folder, as the README tells users
 * to, and returns the handler's parsed response. Holds the service lock: invoke local bundles into
 * `<service>/.esbuild` like `sls package` does.
 */
export const invokeLocal = async <T = unknown>(
  serviceDir: string,
  functionName: string,
  eventFile: string,
  { stage, env = {} }: InvokeLocalOptions = {},
): Promise<T> => {
  const args = ['invoke', 'local', '-f', functionName, '-p', eventFile, ...(stage ? ['--stage', stage] : [])];
  const { stdout } = await withServiceLock(serviceDir, () =>
    run(sls, args, {
      cwd: serviceDir,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_DEV: undefined, ...env },
    }),
  );
  // osls prints the response pretty-printed after any log lines: it starts at the last line that is "{".
  const start = stdout.lastIndexOf('\n{\n');
  return JSON.parse(stdout.slice(start + 1)) as T;
};
