import preset, { integration } from '../jest.preset.js';

// Integration specs, on real services started once for the run (tools/testing).
export default integration({
  ...preset,
  displayName: 'monitoring',
  rootDir: import.meta.dirname,
  globalSetup: '../tools/testing/global-setup-migrated.js',
  globalTeardown: '../tools/testing/global-teardown.js',
  maxWorkers: 1,
  testTimeout: 60_000,
});
