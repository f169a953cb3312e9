// The query comments' instruction count (tools/bench/comments-instructions.mjs) run for real on the built library
// under valgrind's callgrind, at a tiny size: with comments on, the statement sent carries its comment and the
// commenting client's own functions, named, count instructions that the window switched off does not. With
// --serialize, as here, pg-protocol's serializer writes each statement's messages (the text's share counts too).
import { beforeAll, describe, expect, it } from '@jest/globals';
import { runJsonScript } from './run-script.js';

interface Result {
  statement: string;
  parsed?: string;
  windows: { state: string; ir: number }[];
  summary: { on: number; off: number; added: number };
  functions: { name: string; on: number; added: number }[];
}

describe('comments-instructions, the commenting client under callgrind', () => {
  let result: Result;

  beforeAll(async () => {
    const args = ['--statements=300', '--warmup-windows=6', '--rounds=1', '--serialize'];
    ({ json: result } = await runJsonScript<Result>('comments-instructions.mjs', 'comments-instructions-test', args, 280_000));
  }, 300_000);

  it('sends the statement with its comment while switched on', () => {
    expect(result.statement).toMatch(/^SELECT \$1::int AS n \/\*application='bench',request_id='[0-9a-f-]{36}'\*\/$/);
  });

  it("wrote that statement into pg's Parse message (--serialize)", () => {
    expect(result.parsed).toContain(`${result.statement}\0`);
  });

  it('counts a window switched on and one switched off', () => {
    expect(result.windows.map((w) => w.state)).toEqual(['on', 'off']);
    for (const w of result.windows) expect(w.ir).toBeGreaterThan(1_000);
  });

  it("finds the commenting client's own compiled JavaScript, by name, in the window switched on only", () => {
    // At this size the first window also pays for compiling, so totals say little; the client's functions run only
    // with comments on (their count switched off is what stayed of them: none).
    const own = result.functions.filter((f) => /^JS:.*\/database\/(commenting-client|sqlcommenter)\.js/.test(f.name));
    const on = own.reduce((sum, f) => sum + f.on, 0);
    const off = own.reduce((sum, f) => sum + f.on - f.added, 0);
    expect(on).toBeGreaterThan(50);
    expect(off).toBeLessThan(0.05 * on);
  });
});
