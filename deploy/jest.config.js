import preset from '../jest.preset.js';

// Unit specs: the manifests are checked against schemas and by promtool; no cluster runs here.
export default {
  ...preset,
  displayName: 'deploy',
  rootDir: import.meta.dirname,
};
