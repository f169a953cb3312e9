import preset, { integration } from '../../jest.preset.js';

export default integration({
  ...preset,
  // Real app processes: a test that fails before stopping them must not leave Jest waiting on their pipes.
  forceExit: true,
  displayName: 'consumers',
  rootDir: import.meta.dirname,
  // Only the tests: the consumer app's sources under app/ are compiled by each consumer's own TypeScript.
  roots: ['<rootDir>/test'],
  globalSetup: '../../tools/testing/global-setup.js',
  globalTeardown: '../../tools/testing/global-teardown.js',
  // Installs and real app processes: one file at a time, and time for a cold npm cache.
  maxWorkers: 1,
  testTimeout: 60_000,
});
