// Test tiers (see README): `unit` runs pure and handler tests in milliseconds; `integration` runs
// real local engines and `sls package`; `e2e` runs the whole local cloud (`npm start`) and checks
// its books; `browser` opens the generated dashboard in Chromium. `npm test` runs them all, with
// typecheck and lint beside them (scripts/run-together.mjs).
const { availableParallelism } = require('node:os');

const swc = [
  '@swc/jest',
  { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
];

const common = {
  // JEST_CPU_LOG=<file> logs each test file's CPU, its child processes' included, as JSON lines
  // (scripts/jest/cpu-environment.js; docs/BENCHMARKS.md, "Test suite").
  testEnvironment: process.env.JEST_CPU_LOG ? '<rootDir>/scripts/jest/cpu-environment.js' : 'node',
  // middy and aedes (the MQTT broker of the device tests) are ESM-only: let swc turn them into
  // CommonJS like our own sources.
  transform: { '^.+\\.(t|j|mj|cj)s$': swc },
  transformIgnorePatterns: ['/node_modules/(?!(@middy|@electric-sql|aedes)/)'],
  roots: [
    '<rootDir>/shared',
    '<rootDir>/dashboard',
    '<rootDir>/services',
    '<rootDir>/local',
    '<rootDir>/bench',
    '<rootDir>/scripts',
  ],
  modulePathIgnorePatterns: [
    '<rootDir>/.*/\\.serverless/',
    '<rootDir>/.*/\\.esbuild/',
    '<rootDir>/bench/out/',
  ],
};

// Each tier's default time limit for a test or hook that sets none (jest's own is 5 s). A limit
// is there to catch a hang, not a slow machine: the tests and hooks of a tier that set none were
// measured at a load average of 9-10 on 2 cores (docs/BENCHMARKS.md, "Test suite"), where some
// integration set-up hooks (a DuckDB and a PGlite started together) passed 5 s, and each limit is
// several times the slowest of them. Tests that need longer still say so themselves.
const TIMEOUT_MS = { unit: 30_000, integration: 60_000, e2e: 120_000, browser: 60_000 };
// jest honours `testTimeout` in the root config only: a project hands its limit to a set-up file.
const tierTimeout = (ms) => ({
  globals: { TIER_TIMEOUT_MS: ms },
  setupFilesAfterEnv: ['<rootDir>/scripts/jest/tier-timeout.js'],
});

module.exports = {
  // Jest's default (one worker fewer than the cores) runs everything in one process on 2 cores,
  // where the unit and integration tiers measured faster with two (docs/BENCHMARKS.md, "Test
  // suite"): integration files wait on sls child processes, unit files are independent. The e2e
  // script asks for one: each file is a CPU-bound local cloud with long set-up hooks.
  maxWorkers: Math.max(2, availableParallelism() - 1),
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['**/tests/**/*.test.ts'],
      testPathIgnorePatterns: ['\\.int\\.test\\.ts$', '\\.e2e\\.test\\.ts$', '\\.browser\\.test\\.ts$'],
      ...tierTimeout(TIMEOUT_MS.unit),
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['**/tests/**/*.int.test.ts'],
      ...tierTimeout(TIMEOUT_MS.integration),
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['**/tests/**/*.e2e.test.ts'],
      ...tierTimeout(TIMEOUT_MS.e2e),
    },
    {
      ...common,
      displayName: 'browser',
      testMatch: ['**/tests/**/*.browser.test.ts'],
      ...tierTimeout(TIMEOUT_MS.browser),
    },
  ],
};
