import preset from '../../jest.preset.js';

// Unit tests only: nothing to start.
export default {
  ...preset,
  displayName: 'app-kit',
  rootDir: import.meta.dirname,
};
