// Test tiers (see README): `unit` runs pure and handler tests in milliseconds; `integration` runs
// real local engines and `sls package`; `e2e` runs the whole local cloud (`npm start`) and checks
// its books; `browser` opens the generated dashboard in Chromium. `npm test` runs them all after
// typecheck and lint.
const swc = [
  '@swc/jest',
  { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
];

const common = {
  testEnvironment: 'node',
  // middy and aedes (the MQTT broker of the device tests) are ESM-only: let swc turn them into
  // CommonJS like our own sources.
  transform: { '^.+\\.(t|j|mj|cj)s$': swc },
  transformIgnorePatterns: ['/node_modules/(?!(@middy|@electric-sql|aedes)/)'],
  roots: ['<rootDir>/shared', '<rootDir>/services', '<rootDir>/local', '<rootDir>/bench'],
  modulePathIgnorePatterns: [
    '<rootDir>/.*/\\.serverless/',
    '<rootDir>/.*/\\.esbuild/',
    '<rootDir>/bench/out/',
  ],
};

module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['**/tests/**/*.test.ts'],
      testPathIgnorePatterns: ['\\.int\\.test\\.ts$', '\\.e2e\\.test\\.ts$', '\\.browser\\.test\\.ts$'],
    },
    { ...common, displayName: 'integration', testMatch: ['**/tests/**/*.int.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['**/tests/**/*.e2e.test.ts'] },
    { ...common, displayName: 'browser', testMatch: ['**/tests/**/*.browser.test.ts'] },
  ],
};
