import preset, { integration } from '../../jest.preset.js';

export default integration({
  ...preset,
  // Real app processes: a test that fails before stopping them must not leave Jest waiting on their pipes.
  forceExit: true,
  displayName: 'bench',
  rootDir: import.meta.dirname,
  // The smoke run starts its own PostgreSQL, Redis and app processes; one file at a time.
  maxWorkers: 1,
  testTimeout: 300_000,
});
