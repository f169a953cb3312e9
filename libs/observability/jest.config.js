import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'observability',
  rootDir: import.meta.dirname,
  globalSetup: '../../tools/testing/global-setup.js',
  globalTeardown: '../../tools/testing/global-teardown.js',
};
