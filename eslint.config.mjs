// One lint configuration for the whole monorepo. The dependency rules of docs/ARCHITECTURE.md are
// enforced here with `no-restricted-imports`, so a violation fails `npm run lint`, not a code review.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const localOnlyEngines = ['@duckdb/*', '@electric-sql/*', 'duckdb'];
const services = ['ingest-transform', 'report-runner', 'msk-consumer', 'analytics-sink'];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/.serverless/**',
      '**/.esbuild/**',
      '**/coverage/**',
      'bench/out/**',
      '.local/**',
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
  // Services never import each other nor the local cloud; what they share lives in `shared`.
  ...services.map((service) => ({
    files: [`services/${service}/src/**/*.ts`, `services/${service}/serverless.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/local/**', '@pipeline/local'], message: 'Services never import the local cloud.' },
            {
              group: services
                .filter((other) => other !== service)
                .flatMap((other) => [`@pipeline/${other}`, `**/${other}/**`]),
              message: 'Services never import each other: move shared code to @pipeline/shared.',
            },
            { group: localOnlyEngines, message: 'Local-only engines never enter a Lambda bundle.' },
          ],
        },
      ],
    },
  })),
  // The domain is pure: no SDK, no adapters, no Lambda runtime concerns.
  {
    files: ['services/*/src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@aws-sdk/*', '@smithy/*'],
              message: 'src/domain is pure: talk to AWS through a port.',
            },
            {
              group: ['**/adapters/**', '**/handlers/**'],
              message: 'src/domain imports neither adapters nor handlers.',
            },
            {
              group: ['@middy/*', '@aws-lambda-powertools/*'],
              message: 'src/domain is pure: no runtime wiring.',
            },
          ],
        },
      ],
    },
  },
  // The shared package imports no service and no local-only engine; its schemas stay SDK-free.
  {
    files: ['shared/src/**/*.ts'],
    ignores: ['shared/src/adapters/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: services.map((service) => `@pipeline/${service}`),
              message: 'shared imports no service.',
            },
            { group: localOnlyEngines, message: 'shared imports no local-only engine.' },
            {
              group: ['@aws-sdk/*'],
              message: 'Only shared/src/adapters (a separate entry point) may use the AWS SDK.',
            },
          ],
        },
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
        process: 'readonly',
        console: 'readonly',
      },
    },
  },
);
