import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'api',
  rootDir: import.meta.dirname,
  globalSetup: './test/global-setup.js',
  globalTeardown: '../../tools/testing/global-teardown.js',
};
