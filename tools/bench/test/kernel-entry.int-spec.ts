// The kernel-entry probe (tools/bench/kernel-entry.mjs) run for real at a small size, on the built library: each of the
// module's per-request pieces and the controls timed in a loop and right after a system call, with the machine's kind.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { runJsonScript } from './run-script.js';

interface Row {
  piece: string;
  loopMicros: number;
  entryMicros: number;
  afterEntryMicros: number;
  fourAfterEntryMicrosEach: number;
}
interface Output {
  machine: { model: string; meltdown: string; pcid: boolean; node: string };
  entryMicros: number;
  pieces: Row[];
}

describe('kernel-entry', () => {
  let out: Output;
  let stdout: string;

  beforeAll(async () => {
    ({ json: out, stdout } = await runJsonScript<Output>('kernel-entry.mjs', 'kernel-entry-test', ['--calls=2000', '--rounds=3'], 60_000));
  }, 70_000);

  it('names the machine it ran on', () => {
    expect(out.machine.model).not.toBe('unknown');
    expect(out.machine.meltdown).not.toBe('unknown');
    expect(typeof out.machine.pcid).toBe('boolean');
    expect(out.machine.node).toBe(process.version);
    expect(stdout).toContain(`meltdown: ${out.machine.meltdown}`);
  });

  it('times each piece in a loop and after a system call', () => {
    expect(out.pieces.map((r) => r.piece.split(' (')[0])).toEqual(['request id', 'request metrics', 'access line', "control: pino's own line, 5 fields", 'control: 2,000 steps of arithmetic']);
    expect(out.entryMicros).toBeGreaterThan(0);
    for (const r of out.pieces) {
      expect(r.loopMicros).toBeGreaterThan(0);
      expect(Number.isFinite(r.afterEntryMicros)).toBe(true);
      expect(Number.isFinite(r.fourAfterEntryMicrosEach)).toBe(true);
    }
    // 2,000 dependent multiplications take longer than making one id, whatever the machine.
    const [id, , , , arithmetic] = out.pieces;
    expect(arithmetic.loopMicros).toBeGreaterThan(id.loopMicros);
    expect(stdout.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| piece')).length).toBe(5);
  });
});
