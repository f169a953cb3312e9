#!/usr/bin/env node
// What the module's per-request work costs the real api, measured inside one process: separate processes of one
// build differ by more than that (docs/performance-log.md, "Fifth look"). A diagnostic, not a scenario of the bench:
// it copies the built api (dist/apps/api/main.js, from `npm run bench` or `nx run api:build`) to main-hooks.js
// beside it, with a switch at each per-request hook of the module, and SIGUSR1 flips the switches of a process.
// Each process switches the parts named for it; each round measures it as it is, flips it, and measures again.
// A pair's first state follows an idle spell and reads higher; the rounds alternate it, and `added` is the mean of
// each order's median (stats.mjs orderBalancedMedian).
//
//   node tools/bench/api-hooks.mjs [--parts="all;sql;line;all"] [--rounds=10] [--seconds=3] [--warmup-requests=60000] [--spin-micros=10]
//                                  [--perf[=events]] [--perf-record] [--v8-log] [--semi-space=64] [--base=FILE] [--json=tmp/bench/api-hooks.json]
//
// --parts: one process per `;`-separated entry; an entry is `all` or a `,`-list of
//   http   the request opener (id, response header, context, RED metrics, access line; Express's entry point too)
//   ctx    the request's CLS context only (and so the id and route its statements' comments carry)
//   metrics the RED metrics only (in flight, requests, duration with its exemplar)
//   line   the access line only
//   sql    the query comments
//   sub    the TypeORM subscriber (db_query_duration_seconds)
//   defer  not a switch off: switched, the access line is made and written at once, as until 5 December, instead
//          of kept by the stdout destination and made with the turn's other lines when they are written
//   spin   not the module's: --spin-micros µs of fixed work per request (switches.mjs), switched like a part (calibration:
//          what the measurement makes of a known cost; the module's hooks stay on in such a process)
// Switched off, the module's routes (the metrics path) and its timers stay: the figure is the per-request work.
// --warmup-requests: each process serves that many requests switched on, then a quarter as many switched off (the
//   processes in turns, as in the bench), before the rounds (V8 optimises by how often code ran: a count warms a
//   slow machine as far as a fast one).
// --semi-space: MB per semi-space of every api's young generation, fixed, and V8's memory reducer off
//   (runner.mjs heapFlags; 0: V8 sizes it and reduces it as it would).
// CPU per request is every thread's, from schedstat; a second table splits what is added by thread (main, others)
// and by mode (user, system).
// --perf: CPU from `perf stat -p` (task-clock) instead of schedstat, and per request beside it the software
//   events named (default: context switches, page faults, system calls, write calls), to tell work in the process
//   from waiting, faulting or calling the kernel. Needs Linux perf with its syscall tracepoints (run as root).
// --perf-record: each round also recorded by `perf record` (perf-record.mjs), and each process's CPU per request
//   printed by kind of code, by innermost JS function and by innermost frame, on against off, over all rounds.
// --v8-log: each process writes V8's log (v8-log.mjs), and its optimised compiles and deoptimisations during the
//   measured rounds are printed per 1,000 requests, on against off, by kind and by function.
// --base: another build of the api (a copy of its dist/apps/api/main.js, e.g. tmp/ab/api-base.js) beside this one:
//   each entry of --parts runs in one process of each build, the builds' processes in turns, and the table ends with
//   each build's mean of its processes' added µs (a change to the library, judged in the api inside one run).
// The switches are text replacements in the bundle; one that no longer matches exactly once stops the script.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { median, orderBalancedMedian } from './stats.mjs';
import { execFile } from 'node:child_process';
import { startBackends } from './backends.mjs';
import { assertServed, warmUpInTurns, wrk, wrkAsync } from './load.mjs';
import { cpuMicros, numberOption, root, semiSpaceOption } from './runner.mjs';
import { API_PARTS, flipSwitches, writeApiSwitchable } from './switches.mjs';
import { RoundRecordings } from './round-recordings.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((a) => { const [k, ...v] = a.replace(/^--/, '').split('='); return [k, v.join('=')]; }));
const PARTS = API_PARTS;
const entries = String(args.parts ?? 'all;all').split(';').map((e) => (e === 'all' ? PARTS : e.split(',')));
for (const part of entries.flat()) if (!PARTS.includes(part) && part !== 'spin' && part !== 'defer') throw new Error(`--parts: unknown part ${part} (${PARTS.join(', ')}, defer, spin, or all)`);
const SPIN_MICROS = numberOption('spin-micros', args['spin-micros'], 10);
const ROUNDS = numberOption('rounds', args.rounds, 10, { positive: true, whole: true });
const SEMI_SPACE = semiSpaceOption(args['semi-space']);
const SECONDS = numberOption('seconds', args.seconds, 3, { positive: true });
if (args.warmup !== undefined) throw new Error('--warmup (seconds) is now --warmup-requests (a count of requests: V8 optimises by how often code ran)');
const WARMUP_REQUESTS = numberOption('warmup-requests', args['warmup-requests'], 60_000, { positive: true, whole: true });
const BASE = args.base === undefined ? undefined : resolve(root, args.base);
if (BASE !== undefined && !existsSync(BASE)) throw new Error(`--base=${args.base}: no such file (a copy of another build's dist/apps/api/main.js)`);
const RECORD = { perfRecord: args['perf-record'] !== undefined, v8Log: args['v8-log'] !== undefined };
const SPLIT = ['main', 'others', 'user', 'system'];
const PERF_EVENTS = args.perf === undefined ? undefined : ['task-clock', ...(args.perf || 'context-switches,page-faults,raw_syscalls:sys_enter,syscalls:sys_enter_write').split(',').filter((e) => e && e !== 'task-clock')];

async function main() {
  const built = { this: writeApiSwitchable('main-hooks.js'), ...(BASE ? { base: writeApiSwitchable('main-hooks-base.js', BASE) } : {}) };
  // One process per entry of --parts and build, the builds' processes next to each other.
  const processes = entries.flatMap((parts) => Object.entries(built).map(([build, entry]) => ({ parts, build, entry })));
  const backends = await startBackends({ semiSpace: SEMI_SPACE, apis: false });
  const apis = [];
  const recordings = processes.map(({ entry }, i) => new RoundRecordings(RECORD, entry, `api-hooks-${process.pid}-${i}`));
  try {
    for (const [i, { parts, entry }] of processes.entries()) {
      const env = { REDIS_URL: backends.redisUrl.db(5 + i), HOOKS_PARTS: parts.join(','), SPIN_MICROS: String(SPIN_MICROS), ...recordings[i].env() };
      const api = await backends.startSeededApi(`bench_hooks_${i}`, `hooks ${i}`, env, entry, recordings[i].nodeArgs());
      recordings[i].started(api.child.pid, api.spawnedAt);
      apis.push(api);
    }
    const url = (api) => `http://127.0.0.1:${api.port}/api/v1/repositories?limit=20`;
    // Both states warmed up (the first round switched off compiled as much as the warm-up's end, switched on:
    // --v8-log), the processes in turns as the bench's are.
    warmUpInTurns(apis.map(url), WARMUP_REQUESTS, 32);
    for (const api of apis) await flipSwitches(api, 200);
    warmUpInTurns(apis.map(url), Math.ceil(WARMUP_REQUESTS / 4), 32);
    for (const api of apis) await flipSwitches(api, 200);
    /** One measure of `api`, CPU µs per request (and perf's events per request with --perf). */
    const sample = async (api) => {
      const before = cpuMicros(api.child.pid);
      const result = PERF_EVENTS ? await perfPerRequest(url(api), api.child.pid) : { events: {}, ...wrk(url(api), SECONDS, 32) };
      const after = cpuMicros(api.child.pid);
      assertServed(result, api);
      const per = Object.fromEntries(Object.keys(after).map((k) => [k, (after[k] - before[k]) / result.requests]));
      // With --perf, CPU is perf's task-clock; otherwise every thread's, from schedstat.
      return { cpu: per.all, ...result, split: { main: per.main, others: per.all - per.main, user: per.user, system: per.system } };
    };
    const measure = (api, i, state) => recordings[i].round(state, () => sample(api), (result) => result.requests);
    const off = apis.map(() => false);
    const figures = apis.map(() => ({ on: [], off: [], paired: [], kept: [], first: [], events: { on: [], off: [] }, split: [] }));
    for (let r = 0; r < ROUNDS; r++) {
      for (const [i, api] of apis.entries()) {
        const first = { off: off[i], ...(await measure(api, i, off[i] ? 'off' : 'on')) };
        await flipSwitches(api, 200);
        off[i] = !off[i];
        const second = await measure(api, i, off[i] ? 'off' : 'on');
        const [on, without] = first.off ? [second, first] : [first, second];
        figures[i].on.push(on.cpu);
        figures[i].off.push(without.cpu);
        figures[i].paired.push(on.cpu - without.cpu);
        figures[i].kept.push(without.cpu / on.cpu);
        figures[i].first.push(first.off ? 'off' : 'on');
        figures[i].events.on.push(on.events);
        figures[i].events.off.push(without.events);
        figures[i].split.push(Object.fromEntries(SPLIT.map((k) => [k, on.split[k] - without.split[k]])));
      }
    }
    const eventMedians = (samples) => Object.fromEntries((PERF_EVENTS ?? []).slice(1).map((e) => [e, median(samples.map((s) => s[e]))]));
    const rows = figures.map((f, i) => ({
      parts: processes[i].parts,
      build: processes[i].build,
      on: median(f.on),
      off: median(f.off),
      // Each order's median, averaged: a pair's first state is measured right after the process sat idle while the
      // others ran, and reads higher (docs/performance-log.md, "Thirtieth look").
      added: orderBalancedMedian(f.paired, f.first),
      // From the same pairs as `added`: medians of on and off taken apart could disagree with it.
      keeps: orderBalancedMedian(f.kept, f.first),
      // Each round's pair, and which state came first (right after the other processes' rounds): for the JSON.
      pairs: f.on.map((on, r) => ({ on, off: f.off[r], first: f.first[r] })),
      split: Object.fromEntries(SPLIT.map((k) => [k, orderBalancedMedian(f.split.map((p) => p[k]), f.first)])),
      ...(PERF_EVENTS ? { events: { on: eventMedians(f.events.on), off: eventMedians(f.events.off) } } : {}),
    }));
    for (const [i, api] of apis.entries()) {
      await api.stop();
      recordings[i].exited();
    }
    console.log(`# The module's per-request hooks in the api, switched inside each process (${ROUNDS} rounds of ${SECONDS} s on and off)\n`);
    const buildColumn = BASE ? ['| build ', '|---'] : ['', ''];
    console.log(`| process ${buildColumn[0]}| switched | CPU µs/request, on | switched off | added (paired rounds: mean of each order's median) | keeps (the same) |\n|---${buildColumn[1]}|---|---:|---:|---:|---:|`);
    for (const [i, row] of rows.entries()) {
      const switched = row.parts.map((p) => (p === 'spin' ? `spin (${SPIN_MICROS} µs)` : p)).join(', ');
      console.log(`| ${i + 1} ${BASE ? `| ${row.build} ` : ''}| ${switched} | ${row.on.toFixed(0)} | ${row.off.toFixed(0)} | ${row.added.toFixed(1)} | ${(row.keeps * 100).toFixed(1)} % |`);
    }
    if (BASE) {
      const mean = (build) => {
        const added = rows.filter((r) => r.build === build).map((r) => r.added);
        return added.reduce((a, b) => a + b, 0) / added.length;
      };
      console.log(`\nAdded µs per request, mean of each build's processes: this build ${mean('this').toFixed(1)}, base ${mean('base').toFixed(1)} (${BASE}).`);
    }
    console.log(`\nWhere the added CPU is, µs per request (paired rounds, as above): by thread from schedstat, by mode from /proc's ticks (10 ms each, spread over the round's requests)\n\n| process | main thread | other threads | user | system |\n|---|---:|---:|---:|---:|`);
    for (const [i, row] of rows.entries()) console.log(`| ${i + 1} | ${SPLIT.map((k) => row.split[k].toFixed(1)).join(' | ')} |`);
    if (PERF_EVENTS) {
      console.log(`\nCPU from perf's task-clock. Per request (medians of the rounds), on / switched off:\n\n| process | ${PERF_EVENTS.slice(1).join(' | ')} |\n|---|${PERF_EVENTS.slice(1).map(() => '---:').join('|')}|`);
      for (const [i, row] of rows.entries()) console.log(`| ${i + 1} | ${PERF_EVENTS.slice(1).map((e) => `${row.events.on[e].toFixed(3)} / ${row.events.off[e].toFixed(3)}`).join(' | ')} |`);
    }
    for (const [i, r] of recordings.entries()) for (const section of r.sections(`Process ${i + 1}`, 'request')) console.log(`\n${section}`);
    if (args.json) {
      const path = resolve(root, args.json);
      mkdirSync(dirname(path), { recursive: true });
      const perProcess = rows.map((row, i) => ({ ...row, ...recordings[i].json() }));
      writeFileSync(path, JSON.stringify({ rounds: ROUNDS, seconds: SECONDS, spinMicros: SPIN_MICROS, processes: perProcess }, null, 2));
    }
  } finally {
    for (const api of apis) await api.stop();
    await backends.stop();
    for (const entry of Object.values(built)) rmSync(entry, { force: true });
  }
}

/** wrk against the api with `perf stat` on it for the whole load: CPU µs (task-clock) and each event per request. */
async function perfPerRequest(url, pid) {
  const stat = new Promise((resolve, reject) =>
    execFile('perf', ['stat', '-x', ',', '-e', PERF_EVENTS.join(','), '-p', String(pid), '--', 'sleep', String(SECONDS + 0.3)], (error, _out, err) =>
      error ? reject(new Error(`perf stat failed (Linux perf with its syscall tracepoints, as root): ${err || error.message}`)) : resolve(err),
    ),
  );
  const [sample, text] = await Promise.all([wrkAsync(url, SECONDS, 32), stat]);
  const counts = {};
  for (const line of text.trim().split('\n')) {
    const [value, , event] = line.split(',');
    if (PERF_EVENTS.includes(event)) counts[event] = Number(value);
  }
  for (const event of PERF_EVENTS) if (!Number.isFinite(counts[event])) throw new Error(`perf stat counted no ${event}:\n${text}`);
  const events = Object.fromEntries(PERF_EVENTS.slice(1).map((e) => [e, counts[e] / sample.requests]));
  // task-clock is in milliseconds.
  return { cpu: (counts['task-clock'] * 1e3) / sample.requests, events, requests: sample.requests };
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`api-hooks failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
