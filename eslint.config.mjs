// One lint configuration for the whole monorepo. The dependency rules of docs/ARCHITECTURE.md are
// enforced here with `no-restricted-imports`, so a violation fails `npm run lint`, not a code review.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const localOnlyEngines = ['@duckdb/*', '@electric-sql/*', 'duckdb'];
const services = ['ingest-transform', 'report-runner', 'msk-consumer', 'analytics-sink'];

// Flat config replaces a rule's options per file rather than merging them, so every file group gets
// all the patterns that apply to it from one entry of this list.
const otherWorkspaceInternals = {
  group: [
    '@pipeline/*/src',
    '@pipeline/*/src/**',
    '**/services/*/src',
    '**/services/*/src/**',
    '**/shared/src',
    '**/shared/src/**',
    '**/dashboard/src',
    '**/dashboard/src/**',
    '**/local/src',
    '**/local/src/**',
  ],
  message:
    'Import another workspace through its package entry points (its package.json exports), never its src/.',
};
const localCloud = {
  group: ['**/local/**', '@pipeline/local', '@pipeline/local/*'],
  message: 'Services never import the local cloud.',
};
const otherServices = (service) => ({
  group: services
    .filter((other) => other !== service)
    .flatMap((other) => [`@pipeline/${other}`, `@pipeline/${other}/*`, `**/${other}/**`]),
  message: 'Services never import each other: move shared code to @pipeline/shared.',
});
const noLocalEngines = {
  group: localOnlyEngines,
  message: 'Local-only engines never enter a Lambda bundle.',
};
// The domain is pure: no SDK, no adapters, no Lambda runtime concerns.
const pureDomain = [
  { group: ['@aws-sdk/*', '@smithy/*'], message: 'src/domain is pure: talk to AWS through a port.' },
  {
    group: ['**/adapters/**', '**/handlers/**'],
    message: 'src/domain imports neither adapters nor handlers.',
  },
  { group: ['@middy/*', '@aws-lambda-powertools/*'], message: 'src/domain is pure: no runtime wiring.' },
  {
    group: ['@pipeline/shared/*/adapters', '@pipeline/shared/runtime/lambda'],
    message: 'src/domain is pure: the shared adapters and Lambda wiring have entry points of their own.',
  },
];
// A stack definition (serverless.ts, infra/, the shared serverless helpers) needs names, rules and
// templates. Every osls process loads it first (sls package, print, invoke local), so what runs in
// AWS stays out of it: shared/testing/tests/config-imports.int.test.ts checks what it loads in the
// end, this rule what it imports itself.
const pureConfig = [
  { group: ['@aws-sdk/*', '@smithy/*', 'pg'], message: 'A stack definition needs no SDK client or driver.' },
  {
    group: ['**/adapters', '**/adapters/**', '**/handlers/**', '@middy/*', '@aws-lambda-powertools/*'],
    message: 'A stack definition imports neither adapters, handlers nor runtime wiring.',
  },
  { group: ['@pipeline/shared/runtime/lambda'], message: 'A stack definition needs no Lambda wiring.' },
];
const serviceRules = services.flatMap((service) => {
  const base = [localCloud, otherServices(service), noLocalEngines];
  return [
    {
      files: [`services/${service}/src/**/*.ts`],
      ignores: [`services/${service}/src/domain/**`],
      patterns: base,
    },
    { files: [`services/${service}/src/domain/**/*.ts`], patterns: [...base, ...pureDomain] },
    {
      files: [`services/${service}/serverless.ts`, `services/${service}/infra/**/*.ts`],
      patterns: [...base, ...pureConfig],
    },
  ];
});
const sharedPatterns = [
  { group: services.map((service) => `@pipeline/${service}`), message: 'shared imports no service.' },
  { group: localOnlyEngines, message: 'shared imports no local-only engine.' },
  {
    group: ['@aws-sdk/*'],
    message: 'Only an adapters/ folder of shared/src (warehouse, registry) may use the AWS SDK.',
  },
];
const workspaceRules = [
  ...serviceRules,
  // The shared package imports no service and no local-only engine; only each package's adapters/
  // folder (the warehouse's, the registry's) talks to AWS, so the contracts stay SDK-free.
  {
    files: ['shared/src/**/*.ts'],
    ignores: ['shared/src/*/adapters/**', 'shared/src/serverless/**'],
    patterns: sharedPatterns,
  },
  { files: ['shared/src/serverless/**/*.ts'], patterns: [...sharedPatterns, ...pureConfig] },
  {
    files: ['shared/src/*/adapters/**/*.ts'],
    patterns: [
      { group: services.map((service) => `@pipeline/${service}`), message: 'shared imports no service.' },
      { group: localOnlyEngines, message: 'shared imports no local-only engine.' },
    ],
  },
  // The dashboard reads through the warehouse port it is given: no SDK (report-runner bundles it),
  // no service, no local-only engine.
  {
    files: ['dashboard/src/**/*.ts'],
    patterns: [
      {
        group: services.map((service) => `@pipeline/${service}`),
        message: 'the dashboard imports no service.',
      },
      { group: localOnlyEngines, message: 'the dashboard imports no local-only engine.' },
      { group: ['@aws-sdk/*'], message: 'the dashboard is SDK-free: it reads through the warehouse port.' },
    ],
  },
  {
    files: ['local/src/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    ignores: ['**/tests/**'],
    patterns: [],
  },
];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/.serverless/**',
      '**/.esbuild/**',
      '**/coverage/**',
      'bench/out/**',
      '.local/**',
      'test-results/**',
      // Generated by scripts/vendor-uplot.mjs: uPlot's minified build as a string.
      'dashboard/src/vendor/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  // Each workspace (a service, shared, dashboard, local, bench) is used by the others only through
  // the entry points its package.json `exports` names: another workspace's src/ is its own
  // business, so a file moved inside a service breaks nothing outside it. Tests may reach into
  // internals.
  ...workspaceRules.map(({ files, ignores, patterns }) => ({
    files,
    ...(ignores ? { ignores } : {}),
    rules: { 'no-restricted-imports': ['error', { patterns: [...patterns, otherWorkspaceInternals] }] },
  })),
  // No runtime code branches on the local stage: `sls invoke local --stage local` runs its own entry
  // (local/src/functions/), so what a Lambda bundle holds is what AWS runs. Only the deployment
  // parameter rules (shared/src/serverless, evaluated at package time) know stage names.
  {
    files: ['services/*/src/**/*.ts', 'shared/src/**/*.ts', 'dashboard/src/**/*.ts'],
    ignores: ['shared/src/serverless/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...["Literal[value='local']", "Identifier[name='LOCAL_STAGE']"].map((operand) => ({
          selector: `BinaryExpression[operator=/^[!=]==?$/] > ${operand}`,
          message:
            'Runtime code never branches on the local stage: wire the local stage in local/src/functions/.',
        })),
      ],
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    files: ['**/*.cjs', '**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        module: 'writable',
        require: 'readonly',
        __dirname: 'readonly',
        __filename: 'readonly',
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        performance: 'readonly',
      },
    },
    // CommonJS files exist because a tool `require`s them (serverless-esbuild plugins, the
    // cold-start benchmark's child process): require is their import.
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
