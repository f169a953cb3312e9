import preset from '../../jest.preset.js';

// Unit specs: nothing to start. The benchmark smoke run and the soak run from jest.int.config.js.
export default {
  ...preset,
  displayName: 'bench',
  rootDir: import.meta.dirname,
};
