import preset from '../jest.preset.js';

export default {
  ...preset,
  displayName: 'docker',
  rootDir: import.meta.dirname,
};
