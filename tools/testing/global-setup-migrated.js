// For the apps' tests: the harness starts PostgreSQL and Redis, then the schema is applied once, by the built
// `npm run migrate` script, before any test file runs (test files run in parallel and must not race on it).
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import startServices from './global-setup.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

export default async function globalSetup() {
  await startServices();
  execFileSync(process.execPath, [join(root, 'dist/apps/api/migrate.js')], {
    env: { ...process.env, DATABASE_URL: process.env.TEST_DATABASE_URL },
    stdio: 'pipe',
  });
}
