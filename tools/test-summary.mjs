// Closes `npm test` with one line over every project's Jest run: "tests: N passed, N failed".
// `--reset` clears the previous run's results first (Nx restores them for projects it serves from cache).
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(dirname(fileURLToPath(import.meta.url))), 'tmp', 'test-results');
if (process.argv.includes('--reset')) {
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
let passed = 0;
let failed = 0;
let skipped = 0;
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
for (const file of files) {
  const r = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  console.log(`  ${r.project}: ${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''}`);
  passed += r.passed;
  failed += r.failed;
  skipped += r.skipped;
}
if (files.length === 0) console.log('no test results found (did any project run its tests?)');
const status = Number(process.argv.find((a) => a.startsWith('--status='))?.slice('--status='.length) ?? 0);
if (status !== 0 && failed === 0) {
  console.log('npm test FAILED: a build or typecheck step failed, so some projects ran no tests (see above)');
}
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
