// Shared Jest settings: TypeScript compiled by swc (with decorator metadata, which Nest's DI needs)
// into ES modules, run under Node's VM modules because Nest 12 ships ES modules only.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const swc = JSON.parse(readFileSync(join(root, 'swc.config.json'), 'utf8'));
delete swc.$schema;

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swc, swcrc: false }] },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  moduleNameMapper: {
    '^@commandcenter/(domain|app-kit)$': join(root, 'libs/$1/src/index.ts'),
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  // Unit specs by default: they start nothing. Integration specs run from each project's jest.int.config.js.
  testMatch: ['**/*.spec.ts'],
  reporters: ['default', join(root, 'tools/testing/summary-reporter.js')],
  clearMocks: true,
};

/**
 * A project's integration run (`*.int-spec.ts`, next to its unit run): `config` adds the real services it needs
 * (globalSetup starting PostgreSQL and Redis), timeouts and workers.
 */
export function integration(config) {
  return {
    ...config,
    testMatch: ['**/*.int-spec.ts'],
    reporters: ['default', [join(root, 'tools/testing/summary-reporter.js'), { suffix: 'int' }]],
  };
}
