// The in-process diagnostic (tools/bench/api-hooks.mjs) run for real on the built api, at a tiny size: its switches
// must still find the module's hooks in the bundle (it stops otherwise), and a known cost switched like them must show,
// measured from schedstat (and split by thread and by mode) and from `perf stat` (--perf), and with --perf-record in
// the function it runs in.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { runJsonScript, spinAdded } from './run-script.js';

const SPIN_MICROS = 300;
const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

interface Row {
  parts: string[];
  build: 'this' | 'base';
  on: number;
  off: number;
  added: number;
  keeps: number;
  split: { main: number; others: number; user: number; system: number };
  events?: { on: Record<string, number>; off: Record<string, number> };
  perf?: { count: { on: number; off: number }; on: { functions: Record<string, number> }; off: { functions: Record<string, number> } };
}

/** Runs the script with `args` and reads the rows of its --json output. */
async function apiHooks(name: string, args: string[]): Promise<Row[]> {
  const { json } = await runJsonScript<{ processes: Row[] }>('api-hooks.mjs', `api-hooks-${name}`, [...args, '--seconds=1', '--warmup-requests=2000', `--spin-micros=${SPIN_MICROS}`], 240_000);
  return json.processes;
}

/**
 * A stand-in for another build (--base): the built api with SPIN_MICROS µs of busy work on every request while the
 * opener (the `http` part) is switched on, so that its process reads that much more added than this build's.
 */
function markedBase(): string {
  const file = join(root, 'tmp/bench/api-hooks-base-test.js');
  const busy = `import __baseHttp from 'node:http';
const __baseEmit = __baseHttp.Server.prototype.emit;
__baseHttp.Server.prototype.emit = function (event, ...rest) {
  if (event === 'request' && !globalThis.__hooksOff?.http) { const until = performance.now() + ${SPIN_MICROS / 1000}; while (performance.now() < until); }
  return __baseEmit.call(this, event, ...rest);
};\n`;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, busy + readFileSync(join(root, 'dist/apps/api/main.js'), 'utf8'));
  return file;
}

describe('api-hooks, switched inside each api process', () => {
  let rows: Row[];

  beforeAll(async () => {
    // Six pairs of rounds, three in each order: the figures are the mean of each order's median (api-hooks.mjs), and
    // with three rounds one order had a single pair, which a CI run on a loaded machine read at −277 µs (the CPU per
    // request swung from 282 to 1,319 µs between rounds), pulling 300 µs of work down to +100.
    rows = await apiHooks('test', ['--parts=spin;all', '--rounds=6', `--base=${markedBase()}`]);
  }, 260_000);

  it('measures each process on and switched off, each entry in this build and in the base', () => {
    const all = ['http', 'ctx', 'metrics', 'line', 'sql', 'sub'];
    expect(rows.map((r) => [r.build, r.parts])).toEqual([['this', ['spin']], ['base', ['spin']], ['this', all], ['base', all]]);
    for (const row of rows) {
      expect(row.on).toBeGreaterThan(0);
      expect(row.off).toBeGreaterThan(0);
    }
  });

  it("runs the base's bundle in its processes: the base's extra work shows there only", () => {
    // Generous, as below: the base's opener does SPIN_MICROS µs more per request than this build's.
    expect(rows[3].added - rows[2].added).toBeGreaterThan(SPIN_MICROS / 2);
  });

  it('shows a known cost switched like the hooks: 300 µs of spinning per request, well over the noise', () => {
    // Generous: the machine's noise is tens of µs per request; a switch that did nothing would read near zero.
    expect(rows[0].added).toBeGreaterThan(SPIN_MICROS / 2);
    // Kept from the same pairs: 300 µs more on a request of a few hundred µs keeps well under 80 %.
    expect(rows[0].keeps).toBeGreaterThan(0);
    expect(rows[0].keeps).toBeLessThan(0.8);
  });

  it('puts the known cost where it runs: in the main thread, in user mode', () => {
    const { main, user, system } = rows[0].split;
    expect(main).toBeGreaterThan(SPIN_MICROS / 2);
    expect(user).toBeGreaterThan(SPIN_MICROS / 2);
    // Spinning calls no kernel: what system time moves by is the noise of the requests' own calls.
    expect(system).toBeLessThan(SPIN_MICROS / 2);
  });
});

describe('api-hooks --perf, CPU and events from perf stat', () => {
  let rows: Row[];

  beforeAll(async () => {
    // Six pairs of rounds, three in each order (the figures are the mean of each order's median): of three, one CI
    // run had a pair read −114 µs (the machine's CPU per request swung from 545 to 1,316 µs between rounds) and
    // another +102; with five, an order of two pairs is their mean, and one pair of −805 µs (perf record running
    // beside it in that trial) pulled 300 µs to +89.
    rows = await apiHooks('perf-test', ['--parts=spin', '--rounds=6', '--perf']);
  }, 260_000);

  it('shows the known cost in task-clock too', () => {
    expect(rows[0].on).toBeGreaterThan(0);
    expect(rows[0].added).toBeGreaterThan(SPIN_MICROS / 2);
  });

  it('counts the events per request, on and switched off: every request reads and writes its socket', () => {
    for (const state of ['on', 'off'] as const) {
      const events = rows[0].events![state];
      expect(Object.keys(events).sort()).toEqual(['context-switches', 'page-faults', 'raw_syscalls:sys_enter', 'syscalls:sys_enter_write'].sort());
      // A request costs its socket read, its response and its statement's write at least.
      expect(events['raw_syscalls:sys_enter']).toBeGreaterThan(2);
      expect(events['syscalls:sys_enter_write']).toBeGreaterThan(0.5);
    }
  });
});

describe('api-hooks --perf-record, the api by perf samples', () => {
  let rows: Row[];

  beforeAll(async () => {
    rows = await apiHooks('perf-record-test', ['--parts=spin', '--rounds=1', '--perf-record']);
  }, 260_000);

  it("finds the known cost in the function that spins, by name (the prelude before the bundle's first section)", () => {
    const perf = rows[0].perf!;
    expect(perf.count.on).toBeGreaterThan(0);
    expect(perf.count.off).toBeGreaterThan(0);
    // The spin (`__spinLoop` in `__spin`, called by the wrapped server's emit) is in the lines the script puts before the bundle's first
    // section; V8 may inline it into its caller.
    const spin = spinAdded(perf, ['bundle: __spinLoop', 'bundle: __spin', 'bundle: __http.Server.emit']);
    expect(spin).toBeGreaterThan(SPIN_MICROS / 4);
  });
});
