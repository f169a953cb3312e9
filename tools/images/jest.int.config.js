import preset, { integration } from '../../jest.preset.js';

export default integration({
  ...preset,
  // Containers and their logs: a test that fails before removing them must not leave Jest waiting.
  forceExit: true,
  displayName: 'images',
  rootDir: import.meta.dirname,
  maxWorkers: 1,
  testTimeout: 120_000,
});
