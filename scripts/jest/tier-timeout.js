// Set up in every test file (jest.config.js, setupFilesAfterEnv): the tier's default time limit of
// a test or hook. jest reads `testTimeout` from the root config only, never a project's, so each
// project passes its limit in `globals` and this file applies it.
/* global jest */
jest.setTimeout(globalThis.TIER_TIMEOUT_MS);
