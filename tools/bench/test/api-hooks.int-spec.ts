// The in-process diagnostic (tools/bench/api-hooks.mjs) run for real on the built api, at a tiny size: its switches
// must still find the module's hooks in the bundle (it stops otherwise), and a known cost switched like them must show.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from '@jest/globals';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const jsonPath = join(root, 'tmp/bench/api-hooks-test.json');
const SPIN_MICROS = 300;

interface Row {
  parts: string[];
  on: number;
  off: number;
  added: number;
}

describe('api-hooks, switched inside each api process', () => {
  let rows: Row[];

  beforeAll(async () => {
    await new Promise<void>((resolve, reject) => {
      execFile(
        process.execPath,
        [join(root, 'tools/bench/api-hooks.mjs'), '--parts=spin;all', '--rounds=3', '--seconds=1', '--warmup=1', `--spin-micros=${SPIN_MICROS}`, `--json=${jsonPath}`],
        { cwd: root, timeout: 240_000, maxBuffer: 1 << 20 },
        (error, _out, err) => (error ? reject(new Error(`api-hooks failed: ${error.message}\n${err}`)) : resolve()),
      );
    });
    rows = (JSON.parse(readFileSync(jsonPath, 'utf8')) as { processes: Row[] }).processes;
  }, 260_000);

  it('measures each process on and switched off', () => {
    expect(rows.map((r) => r.parts)).toEqual([['spin'], ['http', 'line', 'sql', 'sub']]);
    for (const row of rows) {
      expect(row.on).toBeGreaterThan(0);
      expect(row.off).toBeGreaterThan(0);
    }
  });

  it('shows a known cost switched like the hooks: 300 µs of spinning per request, well over the noise', () => {
    // Generous: the machine's noise is tens of µs per request; a switch that did nothing would read near zero.
    expect(rows[0].added).toBeGreaterThan(SPIN_MICROS / 2);
  });
});
