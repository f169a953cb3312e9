import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'bench',
  rootDir: import.meta.dirname,
  // The smoke run starts its own PostgreSQL, Redis and app processes; one file at a time.
  maxWorkers: 1,
  testTimeout: 300_000,
};
