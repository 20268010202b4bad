import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { build, type BuildOptions } from 'esbuild';
import { packageService, readZip, type CfnTemplate } from '@pipeline/shared/testing';
import type { AWS } from 'osls';
import { startAwsStub, type AwsStub } from './lib/aws-stub';
import { machine, median, table } from './lib/harness';

/**
 * Lambda bundle size and start-up, per function: `sls package` every service (the deployed
 * artifacts), then for each function and for bundling variants built with the same esbuild
 * options, the zip size and a cold start measured in fresh Node processes: loading the bundle
 * (the init phase) and serving a first invocation with a realistic event from the service's
 * events/. The same is measured for an empty handler bundled the same way; ratios are against it.
 *
 * npm run bench:bundles [-- --runs=7 --skip-package]
 */

const ROOT = path.resolve(__dirname, '..');
const KB = 1024;
const ZIP_BUDGET_BYTES = 300 * KB;
/** Zips allowed over the budget, and why (shared/src/serverless/provider.ts, docs/BENCHMARKS.md). */
const BUDGET_EXCEPTIONS: Record<string, string> = {
  runner:
    'bundles four SDK clients (Athena, S3, Redshift Data, Secrets Manager) and the dashboard renderer; the bundled SDK starts faster than the runtime one',
  sink: 'bundles every real-time store a stage may choose (S3 objects, Redshift Data API, pg with Secrets Manager) and the S3 registry reader; the bundled SDK starts faster than the runtime one',
};
const args = new Map(
  process.argv.slice(2).map((arg) => {
    const [key = '', value = 'true'] = arg.replace(/^--/, '').split('=');
    return [key, value] as const;
  }),
);
const RUNS = Number(args.get('runs') ?? 7);

interface FunctionUnderTest {
  service: string;
  /** The function, as its zip is named. */
  name: string;
  /** How the rows call this case (default: the name). */
  label?: string;
  entry: string;
  event: string;
  /** Environment on top of the deployed one (values the template gets from other stacks). */
  env?: Record<string, string>;
  /** What the first invocation does, for the report. */
  path: string;
}

const FUNCTIONS: FunctionUnderTest[] = [
  {
    service: 'ingest-transform',
    name: 'transform',
    entry: 'src/handlers/transform.ts',
    event: 'events/firehose-kinesis-source.json',
    path: 'transforms 3 records (no network)',
  },
  {
    service: 'msk-consumer',
    name: 'consumer',
    entry: 'src/handlers/consumer.ts',
    event: 'events/msk-telemetry.json',
    path: 'forwards the batch: Kinesis PutRecords (local stub)',
  },
  {
    service: 'msk-consumer',
    name: 'consumer',
    label: 'consumer (poison)',
    entry: 'src/handlers/consumer.ts',
    event: 'events/msk-poison.json',
    path: 'quarantines undeliverable records: S3 PutObject (local stub)',
  },
  {
    service: 'report-runner',
    name: 'runner',
    entry: 'src/handlers/runner.ts',
    event: 'events/sqs-object-created.json',
    // The ingest bucket comes from ingest-transform through compose; the event names this one.
    env: { INGEST_BUCKET: 'local-ingest' },
    path: '4 reports: Athena start/poll/results, S3 puts (local stub)',
  },
  {
    service: 'analytics-sink',
    name: 'sink',
    entry: 'src/handlers/sink.ts',
    event: 'events/window-1-open.json',
    path: 'folds a window batch into the state (no network)',
  },
];

/** Markers of the local-only engines: none may be in a Lambda bundle. */
const LOCAL_ONLY = /@duckdb\/|duckdb\.node|@electric-sql\/pglite|pglite\.wasm|pglite\.data/i;

// serverless-esbuild options that are not esbuild's (it strips them before calling esbuild).
const PLUGIN_KEYS = new Set([
  'concurrency',
  'zipConcurrency',
  'exclude',
  'nativeZip',
  'packager',
  'packagePath',
  'watch',
  'keepOutputDirectory',
  'packagerOptions',
  'installExtraArgs',
  'outputFileExtension',
  'outputBuildFolder',
  'outputWorkFolder',
  'nodeExternals',
  'skipBuild',
  'skipRebuild',
  'skipBuildExcludeFns',
  'stripEntryResolveExtensions',
  'disposeContext',
]);

type EsbuildSettings = Record<string, unknown> & { exclude?: string[]; sourcemap?: unknown };

/** A variant of the deployed esbuild settings. */
interface Variant {
  name: string;
  describe: string;
  settings: (deployed: EsbuildSettings) => EsbuildSettings;
  /** NODE_OPTIONS of the function, as the variant would deploy it. */
  nodeOptions: (deployed: string | undefined) => string | undefined;
}

const SDK = '@aws-sdk/*';

const VARIANTS: Variant[] = [
  {
    name: 'deployed',
    describe:
      'shared/src/serverless/provider.ts as `sls package` builds it: AWS SDK bundled from its ESM builds (tree-shaken), no source map, zod English only',
    settings: (deployed) => deployed,
    nodeOptions: (deployed) => deployed,
  },
  {
    name: 'sdk-runtime',
    describe: "deployed, with the AWS SDK excluded: the nodejs24.x runtime's SDK v3 is required at start",
    settings: (deployed) => ({ ...deployed, exclude: [...(deployed.exclude ?? []), SDK] }),
    nodeOptions: (deployed) => deployed,
  },
  {
    name: 'zod-all-locales',
    describe: 'deployed, without the plugin that keeps only the English locale of zod',
    settings: ({ plugins: _plugins, ...deployed }) => deployed,
    nodeOptions: (deployed) => deployed,
  },
  {
    name: 'deployed+map',
    describe: 'deployed, plus a linked source map in the zip and NODE_OPTIONS=--enable-source-maps',
    settings: (deployed) => ({ ...deployed, sourcemap: 'linked' }),
    nodeOptions: () => '--enable-source-maps',
  },
  {
    name: 'before',
    describe:
      'the settings before this benchmark: SDK bundled from its CommonJS builds, all zod locales, linked source map, --enable-source-maps',
    settings: ({ plugins: _plugins, mainFields: _mainFields, ...deployed }) => ({
      ...deployed,
      sourcemap: 'linked',
    }),
    nodeOptions: () => '--enable-source-maps',
  },
];

/**
 * Bytes of a zip holding these files as serverless-esbuild writes it (archiver's deflate matches
 * zlib level 1 byte for byte on these bundles), headers included.
 */
const zipBytes = (files: { name: string; data: Buffer }[]): number =>
  files.reduce(
    (sum, { name, data }) =>
      sum + deflateRawSync(data, { level: 1 }).length + 30 + 46 + 2 * Buffer.byteLength(name),
    22,
  );

interface Built {
  dir: string;
  bundle: string;
  zipBytes: number;
  files: { name: string; bytes: number }[];
}

/**
 * The esbuild options serverless-esbuild derives from its settings: its own keys dropped, `plugins`
 * (a file path relative to the service folder) loaded.
 */
const esbuildOptions = (settings: EsbuildSettings, serviceDir: string): BuildOptions => {
  const options = Object.fromEntries(
    Object.entries(settings).filter(([key]) => !PLUGIN_KEYS.has(key) && key !== 'plugins'),
  ) as BuildOptions;
  if (typeof settings.plugins === 'string')
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    options.plugins = require(path.join(serviceDir, settings.plugins)) as BuildOptions['plugins'];
  return options;
};

/** Builds one entry like serverless-esbuild (excludes become externals) and sizes its zip. */
const buildVariant = async (
  entry: string,
  settings: EsbuildSettings,
  serviceDir: string,
  outDir: string,
  extraFiles: { name: string; data: Buffer }[] = [],
): Promise<Built> => {
  await mkdir(outDir, { recursive: true });
  const outfile = path.join(outDir, 'handler.js');
  await build({
    ...esbuildOptions(settings, serviceDir),
    external: [...(settings.exclude ?? [])],
    entryPoints: [entry],
    outfile,
    logLevel: 'error',
  });
  const files = [{ name: 'handler.js', data: await readFile(outfile) }, ...extraFiles];
  if (settings.sourcemap === 'linked' || settings.sourcemap === true || settings.sourcemap === 'both')
    files.push({ name: 'handler.js.map', data: await readFile(`${outfile}.map`) });
  return {
    dir: outDir,
    bundle: outfile,
    zipBytes: zipBytes(files),
    files: files.map(({ name, data }) => ({ name, bytes: data.length })),
  };
};

/** CloudFormation intrinsics in a function's environment, replaced by plausible literal values. */
const resolveEnvironment = (
  template: CfnTemplate,
  variables: Record<string, unknown>,
): Record<string, string> => {
  const resources = template.Resources as Record<string, { Type: string }>;
  const resolve = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const intrinsic = value as Record<string, unknown>;
    if ('Ref' in intrinsic) {
      const id = String(intrinsic.Ref);
      const type = resources[id]?.Type ?? '';
      if (type === 'AWS::SNS::Topic') return `arn:aws:sns:us-east-1:123456789012:bench-${id.toLowerCase()}`;
      return `bench-${id.toLowerCase()}`;
    }
    if ('Fn::GetAtt' in intrinsic) {
      const [id = ''] = intrinsic['Fn::GetAtt'] as string[];
      return `arn:aws:iam::123456789012:role/bench-${id.toLowerCase()}`;
    }
    // Conditions are false in a default deployment (e.g. no Redshift created): take the else branch.
    if ('Fn::If' in intrinsic) return resolve((intrinsic['Fn::If'] as unknown[])[2]);
    if ('Fn::Sub' in intrinsic) return String(intrinsic['Fn::Sub']).replaceAll(/\$\{[^}]+\}/g, 'bench');
    return JSON.stringify(value);
  };
  return Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, resolve(value)]));
};

interface ColdStart {
  loadMs: number;
  invokeMs: number;
  totalMs: number;
  /** Process start to the response: Node's own start-up, the init phase and the first invocation. */
  processMs: number;
  rssMb: number;
  response: string;
}

const CHILD = path.join(__dirname, 'lib', 'cold-start-child.cjs');

const coldStartOnce = (bundle: string, event: string, env: NodeJS.ProcessEnv): Promise<ColdStart> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, bundle, 'handler', event], {
      env,
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let report = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => (report += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => {
      try {
        const parsed = JSON.parse(report) as { ok: boolean; error?: string } & Record<
          string,
          number | string
        >;
        if (!parsed.ok) throw new Error(parsed.error);
        resolve({
          loadMs: Number(parsed.loadMs),
          invokeMs: Number(parsed.invokeMs),
          totalMs: Number(parsed.loadMs) + Number(parsed.invokeMs),
          processMs: Number(parsed.sinceStartMs),
          rssMb: Number(parsed.rssBytes) / 1024 / 1024,
          response: String(parsed.response),
        });
      } catch (error) {
        reject(new Error(`cold start of ${bundle} failed: ${(error as Error).message}\n${stderr}`));
      }
    });
  });

/** Median of `runs` cold starts; the first of each is discarded as a warm-up of the OS file cache. */
const coldStart = async (bundle: string, event: string, env: NodeJS.ProcessEnv): Promise<ColdStart> => {
  await coldStartOnce(bundle, event, env);
  const samples: ColdStart[] = [];
  for (let run = 0; run < RUNS; run += 1) samples.push(await coldStartOnce(bundle, event, env));
  const pick = (key: 'loadMs' | 'invokeMs' | 'totalMs' | 'processMs' | 'rssMb') =>
    median(samples.map((sample) => sample[key]));
  return {
    loadMs: pick('loadMs'),
    invokeMs: pick('invokeMs'),
    totalMs: pick('totalMs'),
    processMs: pick('processMs'),
    rssMb: pick('rssMb'),
    response: samples[0]?.response ?? '',
  };
};

const baseEnvironment = (stub: AwsStub): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  // Static credentials and region: no IMDS or profile lookup, as with Lambda's injected role credentials.
  AWS_ACCESS_KEY_ID: 'AKIABENCHMARK0000000',
  AWS_SECRET_ACCESS_KEY: 'benchmark',
  AWS_SESSION_TOKEN: 'benchmark',
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ENDPOINT_URL: stub.endpoint,
  AWS_ENDPOINT_URL_KINESIS: stub.http2Endpoint,
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  // The runtime's SDK, for bundles that exclude it (Lambda resolves it from /var/runtime/node_modules).
  NODE_PATH: path.join(ROOT, 'node_modules'),
});

const kb = (bytes: number): string => (bytes / KB).toFixed(1);
const ms = (value: number): string => value.toFixed(1);

const main = async (): Promise<void> => {
  console.log(`Machine: ${machine()}`);
  console.log(`Cold starts: median of ${RUNS} fresh processes per bundle (one discarded warm-up)\n`);
  const work = await mkdtemp(path.join(tmpdir(), 'bench-bundles-'));
  const stub = await startAwsStub();
  const problems: string[] = [];
  try {
    // ---- 1. the deployed artifacts -------------------------------------------------------
    const packaged = new Map<string, { zip: string; template: CfnTemplate; esbuild: EsbuildSettings }>();
    for (const service of [...new Set(FUNCTIONS.map((fn) => fn.service))]) {
      const serviceDir = path.join(ROOT, 'services', service);
      const started = performance.now();
      const { artifacts, template } = await packageService(serviceDir, { stage: 'dev' });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const config = require(path.join(serviceDir, 'serverless.ts')) as AWS;
      const esbuild = config.custom?.esbuild as EsbuildSettings;
      for (const zip of artifacts)
        packaged.set(`${service}/${path.basename(zip, '.zip')}`, { zip, template, esbuild });
      console.log(`sls package ${service}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }

    const zipRows: string[][] = [];
    const exceptions: string[] = [];
    for (const fn of FUNCTIONS.filter((candidate) => candidate.label === undefined)) {
      const artifact = packaged.get(`${fn.service}/${fn.name}`);
      if (!artifact) throw new Error(`no ${fn.name}.zip from sls package ${fn.service}`);
      const bytes = (await stat(artifact.zip)).size;
      const entries = await readZip(artifact.zip);
      const localOnly = entries.filter(
        (entry) =>
          LOCAL_ONLY.test(entry.name) ||
          (entry.name.endsWith('.js') && LOCAL_ONLY.test(entry.read().toString('utf8'))),
      );
      if (localOnly.length > 0)
        problems.push(
          `${fn.name}.zip holds a local-only engine: ${localOnly.map((entry) => entry.name).join(', ')}`,
        );
      const exception = BUDGET_EXCEPTIONS[fn.name];
      if (bytes > ZIP_BUDGET_BYTES && !exception)
        problems.push(`${fn.name}.zip is ${kb(bytes)} KB, over the ${kb(ZIP_BUDGET_BYTES)} KB budget`);
      zipRows.push([
        `${fn.service}/${fn.name}`,
        kb(bytes),
        entries.map((entry) => `${entry.name} ${kb(entry.size)}`).join(', '),
        localOnly.length === 0 ? 'none' : 'FOUND',
        bytes <= ZIP_BUDGET_BYTES ? 'yes' : exception ? 'no, documented' : 'NO',
      ]);
      if (bytes > ZIP_BUDGET_BYTES && exception)
        exceptions.push(`${fn.name}.zip (${kb(bytes)} KB): ${exception}`);
    }
    console.log(`\nDeployed zips (sls package --stage dev)\n`);
    console.log(
      table(['function', 'zip KB', 'files (uncompressed KB)', 'DuckDB/PGlite', '<= 300 KB'], zipRows),
    );
    for (const exception of exceptions) console.log(`Over the budget on purpose: ${exception}`);

    // ---- 2. variants and cold starts -----------------------------------------------------
    const emptyEntry = path.join(work, 'empty.ts');
    await writeFile(
      emptyEntry,
      'export const handler = async (): Promise<{ ok: boolean }> => ({ ok: true });\n',
    );
    const emptyEvent = path.join(work, 'empty-event.json');
    await writeFile(emptyEvent, '{}');
    const providerDefaults = packaged.get('ingest-transform/transform') as { esbuild: EsbuildSettings };
    const empty = await buildVariant(
      emptyEntry,
      providerDefaults.esbuild,
      path.join(ROOT, 'services', 'ingest-transform'),
      path.join(work, 'empty'),
    );
    const emptyStart = await coldStart(empty.bundle, emptyEvent, baseEnvironment(stub));
    console.log(
      `\nEmpty handler, bundled the same way: zip ${kb(empty.zipBytes)} KB, load ${ms(emptyStart.loadMs)} ms, ` +
        `first invocation ${ms(emptyStart.invokeMs)} ms, process start to response ${ms(emptyStart.processMs)} ms, ` +
        `RSS ${emptyStart.rssMb.toFixed(0)} MB`,
    );

    const rows: string[][] = [];
    for (const fn of FUNCTIONS) {
      const artifact = packaged.get(`${fn.service}/${fn.name}`) as {
        zip: string;
        template: CfnTemplate;
        esbuild: EsbuildSettings;
      };
      const fnResource = Object.values(artifact.template.Resources).find(
        (resource) =>
          resource.Type === 'AWS::Lambda::Function' &&
          String((resource.Properties as { Handler?: string }).Handler).startsWith(
            fn.entry.replace(/\.ts$/, ''),
          ),
      );
      const variables = (fnResource?.Properties as { Environment?: { Variables?: Record<string, unknown> } })
        ?.Environment?.Variables;
      const environment = resolveEnvironment(artifact.template, variables ?? {});
      const { NODE_OPTIONS: deployedNodeOptions, ...functionEnv } = environment;
      // Files other than the bundle that the deployed zip carries (report SQL).
      const extras = (await readZip(artifact.zip))
        .filter((entry) => !entry.name.endsWith('.js') && !entry.name.endsWith('.js.map'))
        .map((entry) => ({ name: entry.name, data: entry.read() }));
      for (const variant of VARIANTS) {
        const settings = variant.settings(artifact.esbuild);
        const outDir = path.join(work, fn.label ?? fn.name, variant.name);
        const serviceDir = path.join(ROOT, 'services', fn.service);
        const built = await buildVariant(
          path.join(serviceDir, fn.entry),
          settings,
          serviceDir,
          outDir,
          extras,
        );
        // The bundle reads its report SQL next to itself, as in the zip.
        for (const extra of extras) {
          await mkdir(path.dirname(path.join(outDir, extra.name)), { recursive: true });
          await writeFile(path.join(outDir, extra.name), extra.data);
        }
        const nodeOptions = variant.nodeOptions(deployedNodeOptions);
        const env = {
          ...baseEnvironment(stub),
          // Lambda's /var/task: the zip's files (report SQL) next to the bundle.
          LAMBDA_TASK_ROOT: outDir,
          ...functionEnv,
          ...fn.env,
          POWERTOOLS_LOG_LEVEL: 'INFO',
          ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
        };
        const start = await coldStart(built.bundle, path.join(ROOT, 'services', fn.service, fn.event), env);
        rows.push([
          fn.label ?? fn.name,
          variant.name,
          kb(built.zipBytes),
          ms(start.loadMs),
          ms(start.invokeMs),
          ms(start.totalMs),
          ms(start.processMs),
          (start.processMs / emptyStart.processMs).toFixed(2),
          start.rssMb.toFixed(0),
        ]);
        if (variant.name === 'deployed') {
          const deployedBytes = (await stat(artifact.zip)).size;
          if (Math.abs(deployedBytes - built.zipBytes) > 0.05 * deployedBytes)
            problems.push(
              `${fn.name}: the rebuilt deployed variant (${kb(built.zipBytes)} KB) differs from the sls zip (${kb(deployedBytes)} KB)`,
            );
        }
      }
      console.log(`${fn.label ?? fn.name}: first invocation ${fn.path}`);
    }
    console.log(
      "\nCold start: load = require() of the bundle (init phase), invoke = first invocation, process = Node start to response; x empty = process / the empty handler's\n",
    );
    console.log(
      table(
        [
          'function',
          'variant',
          'zip KB',
          'load ms',
          'invoke ms',
          'load+invoke ms',
          'process ms',
          'x empty',
          'RSS MB',
        ],
        rows,
      ),
    );
    console.log('\nVariants:');
    for (const variant of VARIANTS) console.log(`  ${variant.name}: ${variant.describe}`);
    console.log(`\nAWS calls served by the local stub: ${JSON.stringify(stub.calls)}`);
    console.log(
      `\nLocal-only engines (DuckDB, PGlite) in deployed zips: ${problems.some((p) => p.includes('local-only')) ? 'FOUND' : 'none'}`,
    );
    if (problems.length > 0) {
      console.log(`\nProblems:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
      process.exitCode = 1;
    }
  } finally {
    await stub.close();
    await rm(work, { recursive: true, force: true });
  }
};

void main();
