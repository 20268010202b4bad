import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '@pipeline/shared/testing';

// Every osls process (`sls package`, `sls print`, `sls invoke local`, compose) loads the service's
// `serverless.ts` first. A stack definition needs names, rules and templates: an SDK client, a
// database driver, an adapter or the Lambda runtime wiring loaded on the way costs every one of
// those processes its start-up (docs/BENCHMARKS.md, "Fourth pass: osls start-up") and says the
// config depends on code that runs in AWS. This loads each config as osls does (osls 4's
// lib/configuration/read.js: `require('tsx/cjs/api').require(configurationPath, __filename)`), in
// a fresh process, and lists the modules it loaded.
const SERVICES = ['analytics-sink', 'ingest-transform', 'msk-consumer', 'report-runner'];

const LOAD_CONFIG = `
const tsx = require(require.resolve('tsx/cjs/api', { paths: [require.resolve('osls')] }));
const before = new Set(Object.keys(require.cache));
tsx.require(require('node:path').resolve('serverless.ts'), __filename);
process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((file) => !before.has(file))));
`;

const modulesLoadedBy = async (service: string): Promise<string[]> => {
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', LOAD_CONFIG], {
    cwd: path.join(REPO_ROOT, 'services', service),
    maxBuffer: 16 * 1024 * 1024,
  });
  return (JSON.parse(stdout) as string[]).map((file) =>
    path
      .relative(REPO_ROOT, file.replace(/\?namespace=\d+$/, ''))
      .split(path.sep)
      .join('/'),
  );
};

// What runs in AWS and never belongs in a stack definition: the SDK and its transport, database
// drivers and engines, the Lambda runtime wiring (Powertools, middy), and the project's SDK-backed
// adapters and handlers.
const RUNTIME_ONLY = [
  /^node_modules\/(@aws-sdk|@smithy|@aws|@aws-lambda-powertools|@middy|@duckdb|@electric-sql)\//,
  /^node_modules\/(pg|pg-[a-z-]+|pgpass)\//,
  /\/adapters\//,
  /\/handlers\//,
  /^shared\/src\/runtime\/lambda\//,
];

describe.each(SERVICES)("%s's serverless.ts", (service) => {
  it('loads no SDK client, database driver, adapter or Lambda runtime wiring', async () => {
    const loaded = await modulesLoadedBy(service);
    // The config was read at all: its own infra modules are among what it loaded.
    expect(loaded).toContain(`services/${service}/serverless.ts`);
    expect(loaded.filter((file) => RUNTIME_ONLY.some((pattern) => pattern.test(file)))).toEqual([]);
  });
});
