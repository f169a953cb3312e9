import preset, { integration } from '../../jest.preset.js';

// Integration specs, on real services started once for the run (tools/testing).
export default integration({
  ...preset,
  // Real app processes: a test that fails before stopping them must not leave Jest waiting on their pipes.
  forceExit: true,
  displayName: 'worker',
  rootDir: import.meta.dirname,
  globalSetup: '../../tools/testing/global-setup-migrated.js',
  globalTeardown: '../../tools/testing/global-teardown.js',
  // The end-to-end tests run real api and worker processes; one file at a time keeps two cores from starving them.
  maxWorkers: 1,
  testTimeout: 90_000,
});
