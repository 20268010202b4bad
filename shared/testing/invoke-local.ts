import { runSls, withServiceLock } from './package';

export interface InvokeLocalOptions {
  stage?: string;
  /** Extra environment for the invocation (the function's own comes from its serverless.ts). */
  env?: NodeJS.ProcessEnv;
  /** Each entry is passed as `--param key=value`. */
  params?: Record<string, string>;
}

/** What {@link invokeLocalWithOutput} returns: the handler's parsed response and everything osls printed. */
export interface InvokeLocalResult<T> {
  response: T;
  /** stdout then stderr: the handler's log lines and osls's own. */
  output: string;
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
  options: InvokeLocalOptions = {},
): Promise<T> => (await invokeLocalWithOutput<T>(serviceDir, functionName, eventFile, options)).response;

/** {@link invokeLocal}, also returning what the handler logged (set `POWERTOOLS_LOG_LEVEL` in `env`). */
export const invokeLocalWithOutput = async <T = unknown>(
  serviceDir: string,
  functionName: string,
  eventFile: string,
  { stage, env = {}, params = {} }: InvokeLocalOptions = {},
): Promise<InvokeLocalResult<T>> => {
  const args = [
    'invoke',
    'local',
    '-f',
    functionName,
    '-p',
    eventFile,
    ...(stage ? ['--stage', stage] : []),
    ...Object.entries(params).flatMap(([key, value]) => ['--param', `${key}=${value}`]),
  ];
  const { stdout, stderr } = await withServiceLock(serviceDir, () =>
    runSls(args, {
      cwd: serviceDir,
      maxBuffer: 64 * 1024 * 1024,
      env: {
        ...process.env,
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        POWERTOOLS_DEV: undefined,
        NO_COLOR: '1',
        ...env,
      },
    }),
  );
  // osls prints the response pretty-printed after any log lines: it starts at the last line that is "{".
  const start = stdout.lastIndexOf('\n{\n');
  return { response: JSON.parse(stdout.slice(start + 1)) as T, output: `${stdout}${stderr}` };
};
