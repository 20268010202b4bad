import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { jest } from '@jest/globals';
import { LOCAL_STAGE } from '@pipeline/shared/runtime';
import { lambdaContext, REPO_ROOT } from '@pipeline/shared/testing';
import {
  checkServiceParams,
  functionEnvironment,
  loadServiceConfig,
  resolveVariables,
  stageParams,
  type ServiceName,
} from '../src/cloud/service-config';

export interface StageLocalInvocation<T> {
  response: T;
  /** What the handler wrote to stdout and stderr (its log lines; set `POWERTOOLS_LOG_LEVEL` in `env`). */
  output: string;
}

export interface StageLocalOptions {
  /** Extra environment, over the function's own (as `sls invoke local` takes the caller's). */
  env?: NodeJS.ProcessEnv;
  /** The `--param key=value` overrides. */
  params?: Record<string, string>;
}

// The variables osls's `sls invoke local` sets besides the function's own environment
// (node_modules/osls/lib/plugins/aws/invoke-local/index.js, loadEnvVars): the region, and the
// function's name, memory and version as the Lambda runtime sets them.
const runtimeEnvironment = (
  service: string,
  functionName: string,
  config: { name?: string; memorySize?: number },
  provider: { region?: string; memorySize?: number },
) => {
  const name = config.name ?? `${service}-${LOCAL_STAGE}-${functionName}`;
  const region = provider.region ?? 'us-east-1';
  return {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(config.memorySize ?? provider.memorySize ?? 1024),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
  };
};

/**
 * `sls invoke local --stage local -f <functionName> -p <eventFile>` without osls: the function's
 * stage-local entry (its `handler`, which on stage local names `local/src/functions/`) imported in a
 * fresh module registry, as a new container, with the environment osls would give it
 * (`functionEnvironment`, the same resolution the local cloud uses, after the parameter rules
 * `sls` runs), called with the event file's JSON and a Lambda context. The response comes back as
 * osls prints it: through JSON.
 *
 * Each service keeps at least one real `sls invoke local` per function (tests/invoke-local.int.test.ts)
 * that shows the command works; further events of the same function, whose tests are about the
 * handler's behaviour on the local stage rather than the command, go through this, which spares an
 * osls start-up (several seconds of CPU) each.
 */
export const invokeStageLocal = async <T = unknown>(
  service: ServiceName,
  functionName: string,
  eventFile: string,
  { env = {}, params = {} }: StageLocalOptions = {},
): Promise<StageLocalInvocation<T>> => {
  const serviceDir = path.join(REPO_ROOT, 'services', service);
  const config = await loadServiceConfig(service);
  const resolvedParams = stageParams(config, LOCAL_STAGE, params);
  checkServiceParams(service, config, LOCAL_STAGE, resolvedParams);
  const fn = config.functions?.[functionName];
  if (!fn) throw new Error(`${service} has no function ${functionName}`);
  const handler = String(
    resolveVariables(fn.handler, { config, stage: LOCAL_STAGE, params: resolvedParams }),
  );
  const exportName = handler.slice(handler.lastIndexOf('.') + 1);
  const modulePath = path.resolve(serviceDir, handler.slice(0, handler.lastIndexOf('.')));
  const event = JSON.parse(await readFile(path.join(serviceDir, eventFile), 'utf8')) as unknown;

  const environment = {
    ...runtimeEnvironment(service, functionName, fn, config.provider),
    ...functionEnvironment(config, functionName, { stage: LOCAL_STAGE, params: resolvedParams }),
    // As shared/testing's invokeLocal runs osls: quiet unless the caller asks for logs, no colours.
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_DEV: undefined,
    NO_COLOR: '1',
    ...env,
  };
  const saved = { ...process.env };
  const written: string[] = [];
  const { stdout, stderr } = process;
  const writes = [stdout.write, stderr.write] as const;
  const capture = (chunk: unknown) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  for (const [name, value] of Object.entries(environment)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  stdout.write = capture as typeof stdout.write;
  stderr.write = capture as typeof stderr.write;
  try {
    let entry: Record<string, unknown> = {};
    await jest.isolateModulesAsync(async () => {
      entry = (await import(modulePath)) as Record<string, unknown>;
    });
    const run = entry[exportName];
    if (typeof run !== 'function') throw new Error(`${modulePath} exports no function ${exportName}`);
    const timeoutMs = Number(fn.timeout ?? config.provider.timeout ?? 6) * 1000;
    const result: unknown = await run(event, lambdaContext(environment.AWS_LAMBDA_FUNCTION_NAME, timeoutMs));
    return { response: JSON.parse(JSON.stringify(result ?? null)) as T, output: written.join('') };
  } finally {
    [stdout.write, stderr.write] = writes;
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  }
};
