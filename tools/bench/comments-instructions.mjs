#!/usr/bin/env node
// What the commenting pg client adds per statement, in instructions counted by valgrind's callgrind: a count, which
// does not swing as CPU time does here (docs/performance-log.md, "Nineteenth look"). A diagnostic beside the bench's
// comments scenario, which measures the real thing on PostgreSQL: here pg's own Client.query is a no-op, so the
// counts are the module's alone (the context entered per statement is in both states). One process runs under
// callgrind; windows of --statements statements alternate, comments on and off, each statement in a fresh context
// with a fresh id (as requests are), so each builds its comment; each window's instructions are read by function.
//
//   node tools/bench/comments-instructions.mjs [--statements=10000] [--rounds=3] [--warmup-windows=40] [--serialize]
//                                              [--library=dist/libs/observability] [--json=tmp/bench/comments-instructions.json]
//
// --rounds: pairs of windows (on, then off). --warmup-windows: windows run, alternating, before the counted ones
// (V8 compiles the statement's path in the first ones). --library: the build counted, a copy of
// dist/libs/observability inside this repository, as build-ab.mjs takes it (an older build's count beside today's).
// --serialize: pg's send writes the statement's messages with pg-protocol's serializer (parse, bind, execute, as pg
// does for a statement with values) and drops them: the longer text's share (flattening it, its UTF-8 write) counts too.
// Needs valgrind (callgrind_control with it) and the built library (`npx nx run observability:build`).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { kindOf, namedByMap, parseCallgrind } from './callgrind.mjs';
import { jitSymbols } from './perf-record.mjs';
import { numberOption, root } from './runner.mjs';
import { median } from './stats.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((a) => { const [k, ...v] = a.replace(/^--/, '').split('='); return [k, v.join('=')]; }));
const STATEMENTS = numberOption('statements', args.statements, 10_000, { positive: true, whole: true });
const ROUNDS = numberOption('rounds', args.rounds, 3, { positive: true, whole: true });
const WARMUP_WINDOWS = numberOption('warmup-windows', args['warmup-windows'], 40, { whole: true });
const SQL = 'SELECT $1::int AS n';
const SERIALIZE = 'serialize' in args;
const library = join(resolve(root, args.library || 'dist/libs/observability'), 'esm');

/** Under callgrind: the statements, windows zeroed and dumped by the process itself; prints the last statement sent. */
async function counted() {
  const fromRoot = createRequire(join(root, 'package.json'));
  const pg = fromRoot('pg');
  // pg's own serializer, as pg itself loads it (a dependency of pg's, not of this repository's).
  const { serialize } = createRequire(fromRoot.resolve('pg'))('pg-protocol');
  let sent;
  /** @type {Buffer | undefined} */
  let parsed;
  pg.Client.prototype.query = function query(config, values) {
    sent = config;
    if (SERIALIZE) {
      parsed = serialize.parse({ text: config, name: '', types: [] });
      serialize.bind({ values: values.map(String) });
      serialize.execute({});
    }
  };
  const load = (path) => import(pathToFileURL(join(library, path)).href);
  const { sqlCommentingClient, runWithRequestId } = await load('index.js');
  const { configureSqlComments } = await load('lib/database/sql-comment-settings.js');
  const { loadOpenTelemetry } = await load('lib/opentelemetry/active-span.js');
  const { generateRequestId } = await load('lib/correlation/request-id.js');
  const on = { enabled: true, application: 'bench', prepend: false, openTelemetry: await loadOpenTelemetry() };
  const off = { ...on, enabled: false };
  const client = new (sqlCommentingClient())({});
  const ids = Array.from({ length: STATEMENTS }, () => generateRequestId());
  const statements = (n) => {
    for (let i = 0; i < n; i++) runWithRequestId(ids[i % ids.length], () => client.query(SQL, [i]), 'bench');
  };
  const callgrind = (command) => execFileSync('callgrind_control', [command, String(process.pid)], { stdio: 'ignore' });
  for (let w = 0; w < WARMUP_WINDOWS; w++) {
    configureSqlComments(w % 2 ? off : on);
    statements(STATEMENTS);
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const settings of [on, off]) {
      configureSqlComments(settings);
      statements(STATEMENTS >> 2);
      callgrind('--zero');
      statements(STATEMENTS);
      callgrind('--dump');
    }
  }
  configureSqlComments(on);
  statements(1);
  process.stdout.write(`${JSON.stringify({ statement: sent, parsed: parsed?.toString('latin1') })}\n`);
}

function main() {
  if (!existsSync(join(library, 'index.js'))) throw new Error(`--library: no built library at ${library} (npx nx run observability:build)`);
  const out = join(root, `tmp/bench/callgrind-comments-${process.pid}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  try {
    const valgrind = ['--tool=callgrind', '--separate-threads=yes', '--dump-instr=no', `--callgrind-out-file=${out}/statements`];
    const child = spawnSync('valgrind', [...valgrind, process.execPath, '--perf-basic-prof-only-functions', ...process.argv.slice(1)], {
      env: { ...process.env, COMMENTS_INSTRUCTIONS_COUNTED: '1' },
      encoding: 'utf8',
      maxBuffer: 16 << 20,
    });
    if (child.status !== 0) throw new Error(`the counted process failed (${child.status ?? child.signal}): ${child.stderr.slice(-2000)}`);
    const { statement, parsed } = JSON.parse(child.stdout.trim().split('\n').pop());
    const map = `/tmp/perf-${child.pid}.map`;
    const symbolOf = jitSymbols(existsSync(map) ? readFileSync(map, 'utf8') : '');
    rmSync(map, { force: true });
    // The main thread's dumps (`<file>.<dump>-01`), in the order they were made: on, off, on, off, ...
    const dumps = readdirSync(out)
      .map((f) => /\.(\d+)-01$/.exec(f))
      .filter(Boolean)
      .sort((a, b) => Number(a[1]) - Number(b[1]))
      .map((m) => parseCallgrind(readFileSync(join(out, m.input), 'utf8')));
    if (dumps.length !== 2 * ROUNDS) throw new Error(`expected ${2 * ROUNDS} dumps of the main thread, found ${dumps.length} in ${out}`);
    report(dumps.map((d, i) => windowOf(d, i % 2 ? 'off' : 'on', symbolOf)), statement, parsed);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** One window per statement: its instructions, and each function's own (compiled JavaScript named by V8's map). */
function windowOf(dump, state, symbolOf) {
  const functions = {};
  for (const [name, cost] of dump.self) {
    // One name per function, whichever tier's code ran it (V8's map marks them `*`, `+`, `^`, `~`).
    const named = namedByMap(name, symbolOf).replace(/'\d+$/, '').replace(/^JS:[*+^~]?'?/, 'JS:');
    functions[named] = (functions[named] ?? 0) + cost[0] / STATEMENTS;
  }
  return { state, ir: dump.totals[0] / STATEMENTS, functions };
}

function report(windows, statement, parsed) {
  const on = windows.filter((w) => w.state === 'on');
  const off = windows.filter((w) => w.state === 'off');
  const fmt = (n) => Math.round(n).toLocaleString('en');
  const summary = { on: median(on.map((w) => w.ir)), off: median(off.map((w) => w.ir)) };
  summary.added = summary.on - summary.off;
  const send = SERIALIZE ? "pg's send serializes and drops the messages" : "pg's send a no-op";
  console.log(`# The commenting pg client's own instructions per statement (callgrind; ${send}; ${ROUNDS} pairs of windows of ${STATEMENTS} statements)\n`);
  console.log(`Statement sent, comments on: ${statement}\n\n| window | state | Ir per statement, main thread |\n|---|---|---:|`);
  for (const [i, w] of windows.entries()) console.log(`| ${i + 1} | ${w.state} | ${fmt(w.ir)} |`);
  console.log(`\nMedians: on ${fmt(summary.on)}, off ${fmt(summary.off)}: **${fmt(summary.added)} added per statement**`);
  const mean = (ws, name) => ws.reduce((sum, w) => sum + (w.functions[name] ?? 0), 0) / ws.length;
  const names = new Set(windows.flatMap((w) => Object.keys(w.functions)));
  const functions = [...names]
    .map((name) => ({ name, kind: kindOf(name), on: mean(on, name), added: mean(on, name) - mean(off, name) }))
    .sort((a, b) => b.added - a.added)
    .slice(0, 20);
  console.log('\nThe functions whose own instructions per statement grew most, on against off (means of the windows):\n\n| function | on | added |\n|---|---:|---:|');
  for (const f of functions) console.log(`| ${f.name.slice(0, 120).replaceAll('|', '\\|')} | ${fmt(f.on)} | ${fmt(f.added)} |`);
  if (args.json) {
    const file = resolve(root, args.json);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ statements: STATEMENTS, statement, parsed, windows: windows.map(({ state, ir }) => ({ state, ir })), summary, functions }, null, 2));
  }
}

if (process.env.COMMENTS_INSTRUCTIONS_COUNTED) await counted();
else main();
