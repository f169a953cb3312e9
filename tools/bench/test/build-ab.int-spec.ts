// The two-builds comparison (tools/bench/build-ab.mjs) run for real, at a tiny size, with the built library against
// itself: every step is measured on both, and a base that is no build stops it with one line saying so.
import { describe, expect, it } from '@jest/globals';
import { runJsonScript } from './run-script.js';

interface Row {
  step: string;
  base: number;
  new: number;
  paired: number;
}

describe('build-ab, two builds of the library in one process', () => {
  it('measures every step on both builds', async () => {
    const args = ['--base=dist/libs/observability', '--rounds=2', '--calls=3000'];
    const { json, stdout } = await runJsonScript<{ rows: Row[] }>('build-ab.mjs', 'build-ab-test', args, 120_000);
    expect(json.rows.map((r) => r.step)).toEqual(["a job: its context and two lines inside it", "a job's context alone", 'five statements commented inside a job', "a job's metrics (completed, duration, wait)", "a job: its context and two lines of Nest's Logger inside it", "a job's completed event (its metrics and line)"]);
    for (const row of json.rows) {
      expect(row.base).toBeGreaterThan(0);
      expect(row.new).toBeGreaterThan(0);
      expect(Number.isFinite(row.paired)).toBe(true);
    }
    // A job's context and its lines cost more than the context alone: the steps are what they say. Both builds are
    // this one, so their sum is the figure (at 500 calls a single build's pair once came out the other way round in CI).
    expect(json.rows[0].base + json.rows[0].new).toBeGreaterThan(json.rows[1].base + json.rows[1].new);
    expect(stdout).toContain('| step | base, ns | new, ns |');
  }, 130_000);

  it('refuses a base that is not a built library', async () => {
    await expect(runJsonScript('build-ab.mjs', 'build-ab-none', ['--base=tmp/no-such-build'], 60_000)).rejects.toThrow('--base=tmp/no-such-build: no built library there');
  });
});
