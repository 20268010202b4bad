'use strict';
// esbuild plugins of every Lambda bundle, loaded by serverless-esbuild (`esbuildDefaults.plugins`).
// CommonJS, because serverless-esbuild `require`s this file.
const path = require('node:path');

/**
 * zod 4 re-exports all of its ~40 locales as `z.locales` (270 KB minified, half of a bundle), and
 * `import { z } from 'zod'` keeps the whole namespace. The services use English messages only,
 * which zod registers itself from `locales/en.js`: `z.locales` is cut down to `en`. Measured by
 * `npm run bench:bundles` (docs/BENCHMARKS.md).
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.c?js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/]/.test(args.importer)
        ? {
            path: path.join(args.resolveDir, '..', 'locales', 'index.js'),
            namespace: 'zod-english-only',
          }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      contents: 'export { default as en } from "./en.js";\n',
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }));
  },
};

module.exports = [zodEnglishOnly];
