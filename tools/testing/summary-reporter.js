// Jest reporter that records this run's totals in tmp/test-results/, so `npm test` can close with one
// "N passed, N failed" line over every project (tools/test-summary.mjs), cached runs included.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

export default class SummaryReporter {
  constructor(globalConfig, options = {}) {
    this.rootDir = globalConfig.rootDir;
    // A project with a unit and an integration run names the latter's results apart (suffix 'int').
    this.suffix = options.suffix ? `-${options.suffix}` : '';
  }

  onRunComplete(_contexts, results) {
    const name = (relative(root, this.rootDir).replaceAll('/', '-') || 'root') + this.suffix;
    const dir = join(root, 'tmp', 'test-results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, `${name}.json`),
      JSON.stringify({
        project: name,
        passed: results.numPassedTests,
        failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
        skipped: results.numPendingTests + results.numTodoTests,
      }),
    );
  }
}
