// The reading of perf's samples behind --perf-record (tools/bench/perf-record.mjs), on a made-up `perf script` text
// of the shape Linux perf 6 prints for a node process run with --perf-basic-prof-only-functions. That perf and V8
// still print it so is checked for real by queue-hooks.int-spec.ts.
import { describe, expect, it } from '@jest/globals';
import { breakdownOf, breakdownTables, emptyBreakdown, jitSymbols, sectionsOf } from '../perf-record.mjs';

const BUNDLE = '/app/dist/apps/worker/main-hooks.js';
const sections = sectionsOf(
  ['const prelude = 1;', '// dist/libs/observability/esm/lib/queue/job-events.js', 'function completed() {}', '// apps/worker/src/sync.processor.ts', 'function sync() {}'].join('\n'),
);

const sample = (comm: string, tid: number, period: number, frames: string[]) => `${comm.padStart(16)} ${String(tid).padStart(6)} ${String(period).padStart(10)} \n${frames.map((f) => `\t    7f3e5831524e ${f}`).join('\n')}\n`;
const SCRIPT = [
  // A builtin called from the module's function: the builtin's kind, the module's function.
  sample('MainThread', 1, 100, ['Builtins_StringAdd_CheckNone (/usr/bin/node)', `JS:*'completed file://${BUNDLE}:3:10 (/tmp/perf-1.map)`, 'Builtins_JSEntry (/usr/bin/node)']),
  // The app's own JS, in the bundle after the module's section.
  sample('MainThread', 1, 200, [`JS:^sync file://${BUNDLE}:5:3 (/tmp/perf-1.map)`]),
  // The kernel under a package's JS.
  sample('MainThread', 1, 300, ['entry_SYSCALL_64 ([kernel.kallsyms])', 'JS:*query /app/node_modules/pg/lib/client.js:500:7 (/tmp/perf-1.map)']),
  // The garbage collector, no JS on the stack.
  sample('MainThread', 1, 400, ['v8::internal::ScavengerCollector::CollectGarbage (/usr/bin/node)']),
  // Another thread: counted by its name, whatever its stack.
  sample('V8Worker', 2, 500, ['v8::internal::compiler::PipelineImpl::OptimizeTurbofanGraph (/usr/bin/node)']),
  // V8's runtime under node's own JS.
  sample('MainThread', 1, 600, ['v8::internal::Runtime_StringCharCodeAt (/usr/bin/node)', 'JS:~writeSync node:fs:900:3 (/tmp/perf-1.map)']),
].join('\n');

describe('perf-record: reading perf script output', () => {
  const { kinds, functions, leaves } = breakdownOf(SCRIPT, 1, BUNDLE, sections);

  it('sorts each sample by the kind of code of its innermost frame, other threads by name', () => {
    expect(Object.fromEntries(kinds)).toEqual({
      'V8 builtins': 100,
      'JS app': 200,
      kernel: 300,
      GC: 400,
      'thread V8Worker': 500,
      'V8 runtime': 600,
    });
  });

  it("counts each main-thread sample for its innermost JS function, named by the bundle's section or the package", () => {
    expect(Object.fromEntries(functions)).toEqual({
      'queue/job-events: completed': 100,
      'apps/worker/src/sync.processor.ts: sync': 200,
      'pg: query': 300,
      '(no JS frame)': 400,
      'node:fs: writeSync': 600,
    });
  });

  it('keeps the innermost frame itself too', () => {
    expect(leaves.get('Builtins_StringAdd_CheckNone')).toBe(100);
    expect(leaves.get('v8::internal::ScavengerCollector::CollectGarbage')).toBe(400);
    expect(leaves.get('apps/worker/src/sync.processor.ts: sync')).toBe(200);
  });

  it('prints µs per unit on against off, with the total', () => {
    const on = emptyBreakdown();
    const off = emptyBreakdown();
    on.kinds.set('GC', 6000);
    off.kinds.set('GC', 2000);
    on.functions.set('f', 3000);
    // 6000 ns over 2 jobs against 2000 ns over 1 job: 3 µs against 2 µs per job.
    const tables = breakdownTables(on, off, { on: 2, off: 1 }, 'job');
    expect(tables).toContain('| GC | 3.00 | 2.00 | +1.00 |');
    expect(tables).toContain('| all samples | 3.00 | 2.00 | +1.00 |');
    expect(tables).toContain('| f | 1.50 | 0.00 | +1.50 |');
  });
});

describe('perf-record: JIT code at a reused address', () => {
  // V8 made `markTransferMode` at 0x1000, threw it away, and later made the spin's code at the same address; perf names
  // the address by its first entry.
  const MAP = ['1000 200 JS:+markTransferMode node:internal/worker/js_transferable:91:26', `2000 100 JS:*other file://${BUNDLE}:5:3`, `1000 80 JS:+'__spin file://${BUNDLE}:1:1`].join('\n');
  const text = `${'MainThread'.padStart(16)}      1        700 \n\t    1010 JS:+markTransferMode node:internal/worker/js_transferable:91:26 (/tmp/perf-1.map)\n`;

  it('names the address by the code made there last', () => {
    const jit = jitSymbols(MAP);
    expect(jit(0x1010)).toBe(`JS:+'__spin file://${BUNDLE}:1:1`);
    expect(jit(0x2050)).toBe(`JS:*other file://${BUNDLE}:5:3`);
    // The older entry ran further than the newer one; the newer took its place, so nothing is named there.
    expect(jit(0x1100)).toBeUndefined();
    expect(jit(0x900)).toBeUndefined();
  });

  it("charges the sample to that code, not to perf's first name for the address", () => {
    expect(Object.fromEntries(breakdownOf(text, 1, BUNDLE, sections, jitSymbols(MAP)).functions)).toEqual({ 'bundle: __spin': 700 });
    // Without the map, perf's name stands.
    expect(Object.fromEntries(breakdownOf(text, 1, BUNDLE, sections).functions)).toEqual({ 'js_transferable: markTransferMode': 700 });
  });
});
