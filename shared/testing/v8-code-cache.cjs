'use strict';
// A V8 code cache for the osls processes the tests start (`sls package`, `sls invoke local`):
// preloaded with `node --require`, through NODE_OPTIONS (`oslsEnvironment` in ./package.ts). Each
// osls process compiles the same few thousand files of node_modules; with V8's code cache a later
// process deserialises their code instead (docs/BENCHMARKS.md, "Fourth pass: osls start-up").
//
// It takes over `Module.prototype._compile` for CommonJS files under node_modules only, and hands
// everything else to Node's own: the project's files; ES modules, which Node 20.19+ loads through
// `require(esm)` when it passes `format === 'module'` (a package with `"type": "module"`, such as
// https-proxy-agent 9) or when source fails to compile as CommonJS and has ES module syntax; and
// any source that calls `import()` (below). Under a policy or the inspector it stays off. Dropping
// `format` is what broke `v8-compile-cache`: its `_compile(content, filename)`
// (zertosh/v8-compile-cache, v8-compile-cache.js) compiles every file as CommonJS ("Cannot use
// import statement outside a module"). The cache is keyed by a hash of the source as passed in, so
// what tsx transformed is what is cached, and a changed file or Node version is a new key. What it
// does besides compiling is Node 20's `_compile` for CommonJS (lib/internal/modules/cjs/loader.js):
// the same five wrapper arguments, a `require` made as `makeRequireFunction` makes it, dynamic
// `import()` through the main context's loader.
//
// Node 22's `module.enableCompileCache()` does all this inside Node; it replaces this file once the
// development runtime is Node 22 or later.
const crypto = require('node:crypto');
const fs = require('node:fs');
const Module = require('node:module');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');

const CACHE_DIR = path.join(
  os.tmpdir(),
  `v8-code-cache-${process.version}-${process.arch}-${process.versions.v8}`,
);
const IN_NODE_MODULES = `${path.sep}node_modules${path.sep}`;
// V8 keeps a script's host-defined options (how Node finds the loader of its `import()`) in the
// code cache, so a script made from a cache entry of another process has options this process never
// registered: its `import()` fails with ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING (seen with PGlite's
// WASM loader under `sls invoke local`). Source that may call `import()` is left to Node.
const DYNAMIC_IMPORT = /\bimport\s*\(/;
// Node 20.12+ (vm.constants): dynamic import() from a vm.Script behaves as from a module's code.
const importModuleDynamically = vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;

const compileOriginal = Module.prototype._compile;
/** Scripts compiled without a usable cache entry: their code is cached when the process exits. */
const toCache = [];

const cachePath = (filename, content) =>
  path.join(
    CACHE_DIR,
    crypto.createHash('sha256').update(filename).update('\0').update(content).digest('hex').slice(0, 40),
  );

const readCache = (file) => {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
};

const requireFor = (module) => {
  const require = (id) => module.require(id);
  const resolve = (request, options) => Module._resolveFilename(request, module, false, options);
  resolve.paths = (request) => Module._resolveLookupPaths(request, module);
  require.resolve = resolve;
  require.main = process.mainModule;
  require.extensions = Module._extensions;
  require.cache = Module._cache;
  return require;
};

const usable =
  importModuleDynamically !== undefined &&
  !process.execArgv.some((flag) => flag.startsWith('--experimental-policy') || flag.startsWith('--inspect'));

if (usable) {
  Module.prototype._compile = function compileWithCodeCache(content, filename, format) {
    if (
      format === 'module' ||
      typeof filename !== 'string' ||
      !filename.includes(IN_NODE_MODULES) ||
      DYNAMIC_IMPORT.test(content)
    ) {
      return compileOriginal.call(this, content, filename, format);
    }
    const file = cachePath(filename, content);
    const cachedData = readCache(file);
    let script;
    try {
      script = new vm.Script(Module.wrap(content), {
        filename,
        cachedData,
        importModuleDynamically,
      });
    } catch {
      // Not CommonJS (an ES module found by syntax), or a real syntax error: Node's own path
      // detects the one and reports the other as it always does.
      return compileOriginal.call(this, content, filename, format);
    }
    if (cachedData === undefined || script.cachedDataRejected) toCache.push({ script, file });
    const wrapper = script.runInThisContext({ displayErrors: true });
    return Reflect.apply(wrapper, this.exports, [
      this.exports,
      requireFor(this),
      this,
      filename,
      path.dirname(filename),
    ]);
  };

  // At exit the scripts have run, so their code includes the functions compiled while running,
  // not only the top level. Written under a temporary name and renamed: a reader never sees half.
  process.once('exit', () => {
    if (toCache.length === 0) return;
    try {
      fs.mkdirSync(CACHE_DIR, { recursive: true });
      for (const { script, file } of toCache) {
        const temporary = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(temporary, script.createCachedData());
        fs.renameSync(temporary, file);
      }
    } catch {
      // A cache that cannot be written costs the next process its compile time, nothing more.
    }
  });
}
