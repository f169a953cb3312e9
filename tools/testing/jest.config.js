import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'test-harness',
  rootDir: import.meta.dirname,
};
