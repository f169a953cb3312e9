#!/usr/bin/env node
// The HTTP scenario's variants in instructions, counted by valgrind's callgrind: what the module adds per request
// to the bench app on each adapter, as a count that does not swing as CPU time does here. Each adapter and variant
// runs in a process of its own under callgrind (about 100 times slower), is warmed up, and then counted over
// windows of exactly --requests requests; a variant's figure is the median of its windows (one can hold a
// collection or a compile that the others do not), compared with bare Nest on the same adapter, in total, by kind of
// code and by function (docs/performance-log.md, "Thirty-third look"). With `otel` first, the baseline is the app under
// OpenTelemetry's auto-instrumentation, and `otel-all` counts what the module adds on top of it.
//
//   node tools/bench/http-instructions.mjs [--adapters=express,fastify] [--variants=bare,correlation,all | otel,otel-all]
//                                          [--warmup-requests=10000] [--requests=2000] [--windows=3] [--connections=16]
//                                          [--semi-space=64] [--top=25] [--app=FILE] [--json=tmp/bench/http-instructions.json]
//
// --app: the bench app counted, a copy of dist/tools/bench/bench-app.js from another build (an older build's count
// beside today's); default: this build's.
// Needs valgrind (callgrind_control with it) and the built bench app (`npx nx run bench:build`).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { addedBy, dumpReader, kindOf, renamedByMap } from './callgrind.mjs';
import { getExactly } from './load.mjs';
import { jitSymbols } from './perf-record.mjs';
import { adaptersOption, benchAppOption, heapFlags, listOption, numberOption, otelPreload, root, semiSpaceOption, startServer } from './runner.mjs';
import { median } from './stats.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((a) => { const [k, ...v] = a.replace(/^--/, '').split('='); return [k, v.join('=')]; }));
const ADAPTERS = adaptersOption(args.adapters);
const VARIANTS = listOption(args.variants, 'bare,correlation,all');
const BASE = VARIANTS[0];
if (BASE !== 'bare' && BASE !== 'otel') throw new Error('--variants: bare or otel first (the baseline)');
const WARMUP = numberOption('warmup-requests', args['warmup-requests'], 10_000, { positive: true, whole: true });
const REQUESTS = numberOption('requests', args.requests, 2_000, { positive: true, whole: true });
const WINDOWS = numberOption('windows', args.windows, 3, { positive: true, whole: true });
const CONNECTIONS = numberOption('connections', args.connections, 16, { positive: true, whole: true });
const SEMI_SPACE = semiSpaceOption(args['semi-space']);
const TOP = numberOption('top', args.top, 25, { positive: true, whole: true });
const app = benchAppOption(args.app);
const PATH = '/items/42';
// Collections and compiles come in lumps that fall in one window or another: the steadier figure leaves them out.
const LUMPY = new Set(['garbage collection', "V8's compilers"]);

/** One variant's process under callgrind: its windows, each with the main thread's instructions per request, total and by function. */
async function count(adapter, variant) {
  const out = join(root, `tmp/bench/callgrind-http-${process.pid}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const valgrind = ['--tool=callgrind', '--separate-threads=yes', '--dump-instr=no', `--callgrind-out-file=${out}/app`];
  const node = [process.execPath, ...heapFlags(SEMI_SPACE), '--perf-basic-prof-only-functions', ...otelPreload(variant), app];
  const server = await startServer(`bench app ${adapter}/${variant} (under callgrind)`, 'valgrind', [...valgrind, ...node], {
    env: { BENCH_VARIANT: variant, BENCH_ADAPTER: adapter },
    timeoutMs: 300_000,
  });
  const pid = String(server.child.pid);
  const newDumps = dumpReader(out);
  try {
    await getExactly(server.port, PATH, WARMUP, CONNECTIONS);
    execFileSync('callgrind_control', ['--dump', pid], { stdio: 'ignore' });
    newDumps();
    const windows = [];
    for (let w = 0; w < WINDOWS; w++) {
      execFileSync('callgrind_control', ['--zero', pid], { stdio: 'ignore' });
      await getExactly(server.port, PATH, REQUESTS, CONNECTIONS);
      execFileSync('callgrind_control', ['--dump', pid], { stdio: 'ignore' });
      const main = newDumps().find((d) => d.thread === 1);
      if (!main) throw new Error(`callgrind wrote no dump of the main thread in ${out}`);
      const functions = {};
      for (const [name, cost] of main.self) if (cost[0] > 0) functions[name] = cost[0] / REQUESTS;
      windows.push({ Ir: main.totals[0] / REQUESTS, functions });
    }
    // V8's perf map names the compiled JavaScript that callgrind knows only by address (read after the windows: the
    // code made last at an address is the one they ran).
    const map = `/tmp/perf-${pid}.map`;
    const symbolOf = jitSymbols(existsSync(map) ? readFileSync(map, 'utf8') : '');
    rmSync(map, { force: true });
    for (const w of windows) w.functions = renamedByMap(w.functions, symbolOf);
    return windows;
  } finally {
    await server.stop();
    rmSync(out, { recursive: true, force: true });
  }
}

const fmt = (n) => Math.round(n).toLocaleString('en');
const signed = (n) => `${n >= 0 ? '+' : ''}${fmt(n)}`;

async function main() {
  const results = {};
  for (const adapter of ADAPTERS) {
    const counted = {};
    for (const variant of VARIANTS) counted[variant] = await count(adapter, variant);
    const base = counted[BASE];
    const steady = (windows) => addedBy(windows, [], kindOf).filter((k) => !LUMPY.has(k.name)).reduce((sum, k) => sum + k.on, 0);
    const rows = VARIANTS.map((variant) => {
      const windows = counted[variant];
      const Ir = median(windows.map((w) => w.Ir));
      return { variant, windows: windows.map((w) => w.Ir), Ir, added: Ir - median(base.map((w) => w.Ir)), steadyAdded: steady(windows) - steady(base) };
    });
    console.log(`\n## ${adapter}: main thread, instructions per request (callgrind; ${WINDOWS} windows of ${REQUESTS} requests after ${WARMUP})\n`);
    console.log(`| variant | Ir per request, each window | median | added vs ${BASE} | added, all but garbage collection and compilers (means) |\n|---|---|---:|---:|---:|`);
    for (const r of rows) console.log(`| ${r.variant} | ${r.windows.map(fmt).join(', ')} | ${fmt(r.Ir)} | ${signed(r.added)} | ${signed(r.steadyAdded)} |`);
    const against = {};
    for (const variant of VARIANTS.slice(1)) {
      const kinds = addedBy(counted[variant], base, kindOf);
      const functions = addedBy(counted[variant], base, (name) => name);
      against[variant] = { kinds, functions: functions.slice(0, 400).map((f) => ({ ...f, kind: kindOf(f.name) })) };
      console.log(`\n${adapter}/${variant} against ${BASE}, by kind of code (means of the windows):\n\n| kind | ${variant} | added |\n|---|---:|---:|`);
      for (const k of kinds) console.log(`| ${k.name} | ${fmt(k.on)} | ${signed(k.added)} |`);
      console.log(`\n${adapter}/${variant} against ${BASE}, the functions whose own instructions differ most:\n\n| function | ${variant} | added |\n|---|---:|---:|`);
      for (const f of functions.slice(0, TOP)) console.log(`| ${f.name.slice(0, 120).replaceAll('|', '\\|')} | ${fmt(f.on)} | ${signed(f.added)} |`);
    }
    results[adapter] = { rows, against };
  }
  if (args.json) {
    const file = resolve(root, args.json);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ app, warmup: WARMUP, requests: REQUESTS, windows: WINDOWS, adapters: results }, null, 2));
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`http-instructions failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
