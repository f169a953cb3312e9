// The instruction-count diagnostic (tools/bench/api-instructions.mjs) run for real on the built api under valgrind's
// callgrind, at a tiny size: a known amount of work switched like the module's hooks (the calibration's loop, a fixed
// count of turns per request) must show, per request, in the windows switched on and not in those switched off, and
// in one function of compiled JavaScript, named.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { runJsonScript } from './run-script.js';

const TURNS = 20_000;

interface Result {
  windows: { state: string; main: { Ir: number }; helpers: number }[];
  summary: { Ir: { on: number; off: number; added: number } };
  functions: { name: string; on: number; added: number }[];
}

describe('api-instructions, the api under callgrind', () => {
  let result: Result;

  beforeAll(async () => {
    const args = ['--parts=spin', `--spin-turns=${TURNS}`, '--warmup-requests=300', '--requests=100', '--rounds=1'];
    ({ json: result } = await runJsonScript<Result>('api-instructions.mjs', 'api-instructions-test', args, 280_000));
  }, 300_000);

  it('counts windows switched on and off, each with instructions on the main thread', () => {
    expect(result.windows.map((w) => w.state)).toEqual(['on', 'off']);
    for (const w of result.windows) expect(w.main.Ir).toBeGreaterThan(100_000);
  });

  it("finds the known work in the loop's compiled JavaScript, by name, a few instructions per turn, per request", () => {
    const [top] = result.functions;
    // Named by V8's perf map: callgrind alone knows compiled JavaScript only by its address.
    expect(top.name).toMatch(/^JS:.*__spinLoop /);
    // The loop is a handful of instructions a turn (11 in Maglev's code here): per request, not per window.
    expect(top.added / TURNS).toBeGreaterThan(3);
    expect(top.added / TURNS).toBeLessThan(30);
    // Switched off, the loop does not run: its function's instructions are all in the windows switched on.
    expect(top.added).toBeGreaterThan(0.9 * top.on);
  });
});
