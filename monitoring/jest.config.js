import preset from '../jest.preset.js';

// Unit specs: nothing to start. The integration specs run from jest.int.config.js.
export default {
  ...preset,
  displayName: 'monitoring',
  rootDir: import.meta.dirname,
};
