import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'api',
  rootDir: import.meta.dirname,
  globalSetup: '../../tools/testing/global-setup-migrated.js',
  globalTeardown: '../../tools/testing/global-teardown.js',
};
