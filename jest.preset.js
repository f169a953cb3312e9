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
  testMatch: ['**/?(*.)+(spec|int-spec).ts'],
  reporters: ['default', join(root, 'tools/testing/summary-reporter.js')],
  clearMocks: true,
};
