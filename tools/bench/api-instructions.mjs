#!/usr/bin/env node
// What the module's per-request hooks cost the real api in instructions, counted by valgrind's callgrind: a count,
// not a time, so it does not swing with the machine as CPU time does here (docs/performance-log.md, "Seventeenth look").
// A diagnostic beside api-hooks.mjs, with its switches: one api process runs under callgrind (about 100 times slower),
// is warmed up, and then windows of --requests requests alternate, switched on and off (SIGUSR1); each window's
// instructions are read per thread (the main thread, and V8's helper threads: compilers, GC) and by function.
//
//   node tools/bench/api-instructions.mjs [--parts=all] [--warmup-requests=10000] [--requests=1000] [--rounds=3]
//                                         [--spin-turns=20000] [--cache-sim] [--connections=16] [--semi-space=64] [--otel]
//                                         [--api=FILE] [--json=tmp/bench/api-instructions.json]
//
// --parts: the parts switched in the one process (`,`-list of api-hooks.mjs's parts, or all); `spin` is the ruler:
//   --spin-turns turns of the calibration's loop per request (a count: under valgrind a time means nothing).
// --rounds: pairs of windows (on, then off).
// --otel: the api under OpenTelemetry's auto-instrumentation (otel.mjs: http, express and pg, every span sampled),
//   switched on and off on top of it.
// --api: the api counted, a copy of dist/apps/api/main.js from another build (a path from the repository's root;
//   default: this build's).
// --cache-sim: callgrind's cache and branch simulation too (first-level and last-level misses, mispredicted
//   branches, per request): slower still, and a model of a cache, not this machine's.
// Needs valgrind (callgrind_control with it). The counts leave out the kernel: a system call counts its few
// instructions in libc only.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { addedBy, dumpReader, kindOf, renamedByMap } from './callgrind.mjs';
import { jitSymbols } from './perf-record.mjs';
import { startBackends } from './backends.mjs';
import { getExactly } from './load.mjs';
import { heapFlags, numberOption, otelPreload, root, semiSpaceOption, startServer } from './runner.mjs';
import { median } from './stats.mjs';
import { API_PARTS, flipSwitches, writeApiSwitchable } from './switches.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((a) => { const [k, ...v] = a.replace(/^--/, '').split('='); return [k, v.join('=')]; }));
const PARTS_ALL = API_PARTS;
const PARTS = !args.parts || args.parts === 'all' ? PARTS_ALL : String(args.parts).split(',');
for (const part of PARTS) if (!PARTS_ALL.includes(part) && part !== 'spin') throw new Error(`--parts: unknown part ${part} (${PARTS_ALL.join(', ')}, spin, or all)`);
const WARMUP_REQUESTS = numberOption('warmup-requests', args['warmup-requests'], 10_000, { positive: true, whole: true });
const REQUESTS = numberOption('requests', args.requests, 1_000, { positive: true, whole: true });
const ROUNDS = numberOption('rounds', args.rounds, 3, { positive: true, whole: true });
const SPIN_TURNS = numberOption('spin-turns', args['spin-turns'], 20_000, { positive: true, whole: true });
const SEMI_SPACE = semiSpaceOption(args['semi-space']);
const CACHE_SIM = 'cache-sim' in args;
const OTEL = 'otel' in args;
// Against the repository's root, as api-hooks.mjs's --base and the other scripts' --app and --library.
const API = args.api ? resolve(root, args.api) : undefined;
if (API && !existsSync(API)) throw new Error(`--api=${args.api}: no such file ${API} (a copy of another build's dist/apps/api/main.js)`);
// Under the cache simulation a cold api is slow enough that requests beyond its pool of 10 connections time out
// waiting for one (5 s): --connections=8 there.
const CONNECTIONS = numberOption('connections', args.connections, 16, { positive: true, whole: true });
const out = join(root, `tmp/bench/callgrind-${process.pid}`);

/** One window: callgrind's counters zeroed, `REQUESTS` requests, a dump read by `newDumps` (dumpReader); events per request, main thread and helpers. */
async function window(api, path, state, newDumps) {
  execFileSync('callgrind_control', ['--zero', String(api.child.pid)], { stdio: 'ignore' });
  await getExactly(api.port, path, REQUESTS, CONNECTIONS);
  execFileSync('callgrind_control', ['--dump', String(api.child.pid)], { stdio: 'ignore' });
  const dumps = newDumps();
  const main = dumps.find((d) => d.thread === 1);
  if (!main) throw new Error(`callgrind wrote no dump of the main thread in ${out}`);
  const perRequest = (values) => Object.fromEntries(main.events.map((e, i) => [e, values[i] / REQUESTS]));
  const helpers = dumps.filter((d) => d !== main).reduce((sum, d) => sum + d.totals[0], 0) / REQUESTS;
  const functions = {};
  // Per function, Ir and (with --cache-sim) the mispredicted branches and first-level instruction misses it added.
  const at = (e) => main.events.indexOf(e);
  const [bcm, bim, i1mr] = [at('Bcm'), at('Bim'), at('I1mr')];
  const missesOf = (cost) => ({ mispredicts: bcm < 0 ? 0 : (cost[bcm] + cost[bim]) / REQUESTS, i1Misses: i1mr < 0 ? 0 : cost[i1mr] / REQUESTS });
  const mispredicts = {};
  const i1Misses = {};
  for (const [name, cost] of main.self) {
    if (cost[0] > 0) functions[name] = cost[0] / REQUESTS;
    const misses = missesOf(cost);
    if (misses.mispredicts > 0) mispredicts[name] = misses.mispredicts;
    if (misses.i1Misses > 0) i1Misses[name] = misses.i1Misses;
  }
  const helperKinds = {};
  for (const d of dumps) if (d !== main) for (const [name, cost] of d.self) helperKinds[kindOf(name)] = (helperKinds[kindOf(name)] ?? 0) + cost[0] / REQUESTS;
  return { state, main: perRequest(main.totals), helpers, functions, mispredicts, i1Misses, helperKinds };
}

async function main() {
  const entry = writeApiSwitchable('main-instructions.js', API);
  const backends = await startBackends({ semiSpace: SEMI_SPACE, apis: false });
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const newDumps = dumpReader(out);
  let api;
  try {
    // Seeded by the api as built (valgrind would take minutes over it), then started again under callgrind.
    const redisUrl = backends.redisUrl.db(5);
    const seeded = await backends.startSeededApi('bench_instructions', 'instructions (seeding)', { REDIS_URL: redisUrl });
    await seeded.stop();
    const port = seeded.port;
    const valgrind = ['--tool=callgrind', '--separate-threads=yes', '--dump-instr=no', `--callgrind-out-file=${out}/api`, ...(CACHE_SIM ? ['--cache-sim=yes', '--branch-sim=yes'] : [])];
    const node = [process.execPath, ...heapFlags(SEMI_SPACE), '--perf-basic-prof-only-functions', ...otelPreload(OTEL ? 'otel' : 'bare'), entry];
    api = await startServer('api (under callgrind)', 'valgrind', [...valgrind, ...node], {
      env: {
        PORT: String(port),
        LOG_LEVEL: 'info',
        REDIS_URL: redisUrl,
        DATABASE_URL: seeded.databaseUrl,
        HOOKS_PARTS: PARTS.join(','),
        SPIN_TURNS: String(SPIN_TURNS),
        ...(OTEL ? { OTEL_INSTRUMENT_PG: 'on' } : {}),
      },
      readyUrl: `http://127.0.0.1:${port}/health`,
      // OpenTelemetry's loader hook runs every module the api imports through itself: slower still to start.
      timeoutMs: OTEL ? 900_000 : 300_000,
    });
    const path = '/api/v1/repositories?limit=20';
    const flip = () => flipSwitches(api);
    // Both states warmed up, as in api-hooks.mjs: on, then a quarter as many switched off.
    await getExactly(port, path, WARMUP_REQUESTS, CONNECTIONS);
    await flip();
    await getExactly(port, path, Math.ceil(WARMUP_REQUESTS / 4), CONNECTIONS);
    await flip();
    execFileSync('callgrind_control', ['--dump', String(api.child.pid)], { stdio: 'ignore' });
    newDumps();
    const windows = [];
    for (let r = 0; r < ROUNDS; r++) {
      windows.push(await window(api, path, 'on', newDumps));
      await flip();
      windows.push(await window(api, path, 'off', newDumps));
      await flip();
    }
    // V8's perf map names the compiled JavaScript that callgrind knows only by address (read once the windows ran: the
    // code made last at an address is the one they ran).
    const map = `/tmp/perf-${api.child.pid}.map`;
    report(windows, jitSymbols(existsSync(map) ? readFileSync(map, 'utf8') : ''));
    rmSync(map, { force: true });
  } finally {
    await api?.stop();
    await backends.stop();
    rmSync(entry, { force: true });
    rmSync(out, { recursive: true, force: true });
  }
}

function report(windows, symbolOf) {
  for (const w of windows) for (const field of ['functions', 'mispredicts', 'i1Misses']) w[field] = renamedByMap(w[field], symbolOf);
  const on = windows.filter((w) => w.state === 'on');
  const off = windows.filter((w) => w.state === 'off');
  const events = Object.keys(windows[0].main);
  const med = (ws, e) => median(ws.map((w) => w.main[e]));
  const fmt = (n) => Math.round(n).toLocaleString('en');
  const switched = PARTS.map((p) => (p === 'spin' ? `spin (${SPIN_TURNS} turns)` : p)).join(', ');
  console.log(`# The module's per-request hooks in the api${OTEL ? ' under OpenTelemetry' : ''}, in instructions (callgrind; switched: ${switched}; ${ROUNDS} pairs of windows of ${REQUESTS} requests)\n`);
  console.log(`| window | state | main thread: ${events.join(', ')} per request | helper threads: Ir per request |\n|---|---|---:|---:|`);
  for (const [i, w] of windows.entries()) console.log(`| ${i + 1} | ${w.state} | ${events.map((e) => fmt(w.main[e])).join(', ')} | ${fmt(w.helpers)} |`);
  const summary = Object.fromEntries(events.map((e) => [e, { on: med(on, e), off: med(off, e), added: med(on, e) - med(off, e) }]));
  const helpers = { on: median(on.map((w) => w.helpers)), off: median(off.map((w) => w.helpers)) };
  console.log('\n| event, per request (medians of the windows) | on | switched off | added |\n|---|---:|---:|---:|');
  for (const e of events) console.log(`| ${e}, main thread | ${fmt(summary[e].on)} | ${fmt(summary[e].off)} | ${fmt(summary[e].added)} (${((summary[e].added / summary[e].off) * 100).toFixed(2)} %) |`);
  console.log(`| Ir, helper threads | ${fmt(helpers.on)} | ${fmt(helpers.off)} | ${fmt(helpers.on - helpers.off)} |`);
  const kinds = addedBy(on, off, kindOf);
  console.log('\nMain thread, Ir per request by kind of code, on against off (means of the windows):\n\n| kind | on | added |\n|---|---:|---:|');
  for (const k of kinds) console.log(`| ${k.name} | ${fmt(k.on)} | ${fmt(k.added)} |`);
  // Collections and compiles come in lumps that fall in one window or the next: the steadier figure leaves them out.
  const lumpy = new Set(['garbage collection', "V8's compilers"]);
  const steady = kinds.filter((k) => !lumpy.has(k.name)).reduce((sum, k) => ({ on: sum.on + k.on, added: sum.added + k.added }), { on: 0, added: 0 });
  console.log(`| all but garbage collection and V8's compilers | ${fmt(steady.on)} | ${fmt(steady.added)} (${((steady.added / (steady.on - steady.added)) * 100).toFixed(2)} %) |`);
  const helperKinds = addedBy(on, off, (kind) => kind, 'helperKinds');
  console.log("\nHelper threads, Ir per request by kind of code, on against off (means of the windows):\n\n| kind | on | added |\n|---|---:|---:|");
  for (const k of helperKinds) console.log(`| ${k.name} | ${fmt(k.on)} | ${fmt(k.added)} |`);
  const allFunctions = addedBy(on, off, (name) => name);
  const functions = allFunctions.slice(0, 25);
  const table = (title, rows) => {
    console.log(`\nMain thread, the functions whose own ${title} per request differ most, on against off:\n\n| function | on | added |\n|---|---:|---:|`);
    for (const f of rows) console.log(`| ${f.name.slice(0, 120).replaceAll('|', '\\|')} | ${fmt(f.on)} | ${fmt(f.added)} |`);
  };
  table('Ir', functions);
  const misses = CACHE_SIM ? { mispredicts: addedBy(on, off, (name) => name, 'mispredicts').slice(0, 15), i1Misses: addedBy(on, off, (name) => name, 'i1Misses').slice(0, 15) } : undefined;
  if (misses) {
    table('mispredicted branches (Bcm + Bim)', misses.mispredicts);
    table('first-level instruction-cache misses (I1mr)', misses.i1Misses);
  }
  if (args.json) {
    const file = resolve(root, args.json);
    mkdirSync(dirname(file), { recursive: true });
    const lean = windows.map(({ state, main, helpers, helperKinds }) => ({ state, main, helpers, helperKinds }));
    writeFileSync(file, JSON.stringify({ parts: PARTS, requests: REQUESTS, spinTurns: SPIN_TURNS, windows: lean, summary, helpers, kinds, steady, helperKinds, functions: allFunctions.slice(0, 400).map((f) => ({ ...f, kind: kindOf(f.name) })), misses }, null, 2));
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`api-instructions failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
