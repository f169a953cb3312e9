#!/usr/bin/env node
// What a kernel entry costs the work that runs after it, on this machine: each of the module's per-request pieces
// (a request id, the request's metrics, its access line) and two controls (pino's own line, a loop of arithmetic),
// timed in a loop, right after a system call (a one-byte write(2) to /dev/null), and four in a row after one. In a
// server each of the module's hooks runs right after one (the request's read, the response's write): on guests with
// page-table isolation and no PCID every entry empties the TLB, and the bench read the module there at several times
// its share of the instructions (docs/performance-log.md, "Fortieth look"). The machine's kind (CPU model,
// page-table isolation, PCID) is printed with the figures, so runs on different guests can be told apart.
//
//   node tools/bench/kernel-entry.mjs [--calls=20000] [--rounds=7] [--json=FILE]
//
// Needs the built library (npx nx run observability:build).
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Registry } from 'prom-client';
import pino from 'pino';
import { numberOption, root } from './runner.mjs';
import { median } from './stats.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((a) => { const [k, ...v] = a.replace(/^--/, '').split('='); return [k, v.join('=')]; }));
const CALLS = numberOption('calls', args.calls, 20_000, { positive: true, whole: true });
const ROUNDS = numberOption('rounds', args.rounds, 7, { positive: true, whole: true });

const lib = join(root, 'dist/libs/observability/esm/lib');
const { createPinoLogger } = await import(join(lib, 'logging/pino-logger.js'));
const { resolveOptions } = await import(join(lib, 'options/resolve-options.js'));
const { InternalErrors } = await import(join(lib, 'core/internal-errors.js'));
const { writeAccessLine } = await import(join(lib, 'logging/fixed-line.js'));
const { HttpMetrics } = await import(join(lib, 'metrics/http-metrics.js'));
const { uuidV4 } = await import(join(lib, 'correlation/uuid-v4.js'));

const sink = { write: () => true };
const logger = createPinoLogger(resolveOptions({ serviceName: 'api', logging: { destination: sink } }, {}), new InternalErrors(new Registry()), undefined);
const appLogger = pino({ base: { service: 'api' } }, sink);
const metrics = new HttpMetrics(new Registry(), [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
const REQUEST_ID = 'c7078c08-d412-4f59-b11e-fd641411c7a8';
let n = 0;

/** The pieces, each one request's worth; the module's as the module runs them (its access line made at once). */
const PIECES = {
  'request id (uuidV4)': () => uuidV4(),
  'request metrics (in flight, counter, histogram with exemplar)': () => {
    metrics.started();
    metrics.finished('GET', '/items/:id', 200, 0.001 * (n++ & 15), REQUEST_ID);
  },
  'access line (writeAccessLine)': () =>
    writeAccessLine(logger, { request_id: REQUEST_ID, trace_id: undefined, method: 'GET', route: '/items/:id', path: '/items/42', status_code: 200, duration_ms: 1.234 }),
  "control: pino's own line, 5 fields": () => appLogger.info({ request_id: REQUEST_ID, method: 'GET', route: '/items/:id', status_code: 200, duration_ms: 1.234 }, 'done'),
  'control: 2,000 steps of arithmetic': () => {
    let a = n++;
    for (let i = 0; i < 2000; i++) a = (a * 1103515245 + 12345) | 0;
    return a;
  },
};

const devNull = openSync('/dev/null', 'w');
const BYTE = Buffer.from('\n');
const enter = () => writeSync(devNull, BYTE);

/** ns per call of `f`, after a tenth as many calls of warm-up. */
function nsPerCall(f) {
  for (let i = 0; i < CALLS / 10; i++) f();
  const started = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) f();
  return Number(process.hrtime.bigint() - started) / CALLS;
}

/** One piece: alone, the entry alone, the entry then the piece, the entry then the piece four times; rounds alternated. */
function measure(piece) {
  const shapes = {
    loop: piece,
    entry: enter,
    after: () => {
      enter();
      piece();
    },
    afterFour: () => {
      enter();
      piece();
      piece();
      piece();
      piece();
    },
  };
  const samples = Object.fromEntries(Object.keys(shapes).map((s) => [s, []]));
  for (let round = 0; round < ROUNDS; round++) for (const [shape, f] of Object.entries(shapes)) samples[shape].push(nsPerCall(f));
  const [loop, entry, after, afterFour] = ['loop', 'entry', 'after', 'afterFour'].map((s) => median(samples[s]) / 1000);
  return { loopMicros: loop, entryMicros: entry, afterEntryMicros: after - entry, fourAfterEntryMicrosEach: (afterFour - entry) / 4 };
}

/** The guest's kind, as the performance log names it. */
function machine() {
  const read = (file) => (existsSync(file) ? readFileSync(file, 'utf8').trim() : 'unknown');
  const cpuinfo = read('/proc/cpuinfo');
  const flags = new Set((/^flags\s*:(.*)$/m.exec(cpuinfo)?.[1] ?? '').trim().split(/\s+/));
  return {
    model: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? 'unknown',
    meltdown: read('/sys/devices/system/cpu/vulnerabilities/meltdown'),
    pcid: flags.has('pcid'),
    node: process.version,
  };
}

function main() {
  const kind = machine();
  const rows = Object.entries(PIECES).map(([piece, f]) => ({ piece, ...measure(f) }));
  closeSync(devNull);
  const entry = median(rows.map((r) => r.entryMicros));
  console.log(`# The work after a kernel entry (${kind.model}; meltdown: ${kind.meltdown}; PCID: ${kind.pcid ? 'yes' : 'no'}; Node ${kind.node})\n`);
  console.log(`A one-byte write(2) to /dev/null: ${entry.toFixed(2)} µs. Medians of ${ROUNDS} alternated rounds of ${CALLS} calls.\n`);
  console.log('| piece | in a loop, µs | right after a kernel entry, µs | × | four after one entry, µs each |\n|---|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.piece} | ${r.loopMicros.toFixed(3)} | ${r.afterEntryMicros.toFixed(3)} | ${(r.afterEntryMicros / r.loopMicros).toFixed(2)} | ${r.fourAfterEntryMicrosEach.toFixed(3)} |`);
  }
  if (args.json) {
    const file = resolve(root, args.json);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ machine: kind, calls: CALLS, rounds: ROUNDS, entryMicros: entry, pieces: rows }, null, 2));
  }
}

main();
