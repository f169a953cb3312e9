import preset, { integration } from '../../jest.preset.js';

// Integration specs, on real services started once for the run (tools/testing).
export default integration({
  ...preset,
  displayName: 'observability',
  rootDir: import.meta.dirname,
  // Integration tests share two cores with the rest of the run; a slow machine is not a failure.
  testTimeout: 30_000,
  globalSetup: '../../tools/testing/global-setup.js',
  globalTeardown: '../../tools/testing/global-teardown.js',
});
