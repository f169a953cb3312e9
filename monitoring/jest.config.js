import preset from '../jest.preset.js';

export default {
  ...preset,
  displayName: 'monitoring',
  rootDir: import.meta.dirname,
  globalSetup: '../tools/testing/global-setup-migrated.js',
  globalTeardown: '../tools/testing/global-teardown.js',
  maxWorkers: 1,
  testTimeout: 60_000,
};
