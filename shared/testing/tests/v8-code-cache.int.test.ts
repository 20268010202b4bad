import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { oslsEnvironment, V8_CODE_CACHE } from '@pipeline/shared/testing';

// The code cache the osls processes of the tests preload (v8-code-cache.cjs) must load every
// module as Node does: a process with it prints what one without it prints, with a cold cache and
// with a warm one, for the kinds of module osls loads from node_modules.
let root: string;
let cacheRoot: string;

const files: Record<string, string> = {
  // CommonJS, with everything Node hands a module: require and its helpers, module, the paths.
  'node_modules/plain/index.js': `
    const { sep } = require('node:path');
    exports.shape = {
      filename: __filename.split(sep).slice(-3).join('/'),
      dirname: __dirname.split(sep).slice(-2).join('/'),
      resolved: require.resolve('./helper').split(sep).slice(-2).join('/'),
      paths: Array.isArray(require.resolve.paths('x')),
      cache: require.cache === require('node:module')._cache,
      main: require.main === process.mainModule,
      loaded: module.loaded,
      same: module.exports === exports,
      self: this === exports,
      helper: require('./helper').value,
      lazy: (() => [1, 2, 3].map((n) => n * 2))(),
    };`,
  'node_modules/plain/helper.js': 'module.exports = { value: 42 };',
  // ES module syntax in a package without "type": Node 20.19+ loads it as ESM by syntax detection
  // (v8-compile-cache compiled it as CommonJS and failed).
  'node_modules/esm-by-syntax/package.json': '{ "name": "esm-by-syntax", "main": "index.js" }',
  'node_modules/esm-by-syntax/index.js': 'export const kind = "esm";',
  // ESM by package type, required from CommonJS (require(esm)).
  'node_modules/esm-typed/package.json': '{ "name": "esm-typed", "type": "module", "main": "index.js" }',
  'node_modules/esm-typed/index.js': 'export default "typed";',
  // A CommonJS module that imports at run time (PGlite loads its WASM parts this way).
  'node_modules/imports/index.js': `exports.load = () => import('./data.mjs').then((module) => module.value);`,
  'node_modules/imports/data.mjs': 'export const value = "imported";',
  // A syntax error is reported as Node reports it.
  'node_modules/broken/index.js': 'module.exports = {;',
  'main.js': `
    const tryRequire = (id) => {
      try { return require(id); } catch (error) { return { error: error.name + ': ' + error.message.split('\\n')[0] }; }
    };
    (async () => {
      const result = {
        plain: require('plain').shape,
        esmBySyntax: tryRequire('esm-by-syntax'),
        esmTyped: tryRequire('esm-typed'),
        imported: await require('imports').load(),
        broken: tryRequire('broken'),
      };
      process.stdout.write(JSON.stringify(result));
    })();`,
};

const runMain = async (env: NodeJS.ProcessEnv) =>
  (
    await promisify(execFile)(process.execPath, ['main.js'], {
      cwd: root,
      env: { ...env, TMPDIR: cacheRoot },
    })
  ).stdout;

const cacheEntries = async () => {
  const [folder] = (await readdir(cacheRoot)).filter((name) => name.startsWith('v8-code-cache-'));
  return folder ? (await readdir(path.join(cacheRoot, folder))).length : 0;
};

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'v8-code-cache-test-'));
  cacheRoot = path.join(root, 'tmp');
  await mkdir(cacheRoot);
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
});

afterAll(() => rm(root, { recursive: true, force: true }));

describe('the V8 code cache of the osls processes', () => {
  it('is preloaded through NODE_OPTIONS, after any options already there', () => {
    expect(oslsEnvironment({ NODE_OPTIONS: '--max-old-space-size=512' }).NODE_OPTIONS).toBe(
      `--max-old-space-size=512 --require ${JSON.stringify(V8_CODE_CACHE)}`,
    );
    expect(oslsEnvironment({}).NODE_OPTIONS).toBe(`--require ${JSON.stringify(V8_CODE_CACHE)}`);
  });

  it('loads every kind of module as Node does, with a cold cache and then a warm one', async () => {
    const withoutCache = await runMain(process.env);
    const result = JSON.parse(withoutCache) as Record<string, unknown>;
    expect(result.plain).toMatchObject({ helper: 42, same: true, self: true, cache: true, paths: true });
    expect(result.imported).toBe('imported');

    const cold = await runMain(oslsEnvironment(process.env));
    expect(cold).toBe(withoutCache);
    const warm = await runMain(oslsEnvironment(process.env));
    expect(warm).toBe(withoutCache);
    // Only the CommonJS files that compile as such and call no import(): plain/index.js, helper.js.
    expect(await cacheEntries()).toBe(2);
  });
});
