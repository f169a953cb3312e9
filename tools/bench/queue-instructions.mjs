#!/usr/bin/env node
// What the module's per-job hooks cost the real worker in instructions, counted by valgrind's callgrind: the queue's
// counterpart of api-instructions.mjs, a count that does not swing with the machine as the worker's CPU per job does
// (docs/performance-log.md, "Thirty-fourth look"). One switchable worker (queue-hooks.mjs's switches) runs under
// callgrind with its instrumentation off while it is warmed up (V8 optimises the job's path after about 11,000 jobs;
// uninstrumented, valgrind runs it some 20 times slower instead of 100), then windows of exactly --jobs jobs
// alternate, switched on and off (SIGUSR1), each counted on the worker's main thread, in total, by kind of code and
// by function. The api beside it runs as built, everything on, outside valgrind.
//
//   node tools/bench/queue-instructions.mjs [--library=bull|bullmq] [--parts="all;ctx;events;sub;sql"] [--warmup-jobs=12000] [--jobs=300]
//                                           [--rounds=3] [--spin-turns=20000] [--semi-space=64] [--top=25] [--json=tmp/bench/queue-instructions.json]
//
// --parts: `;`-separated entries, each counted in its own rounds in the one worker: `all` or a `,`-list of
//   queue-hooks.mjs's parts (ctx, events, sub, sql) switched together; `spin` is the ruler, --spin-turns turns of the
//   calibration's loop per completed job.
// --rounds: pairs of windows, on and switched off, the first state alternating from round to round.
// Needs valgrind (callgrind_control with it) and the built api and worker. The counts leave out the kernel.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { freePort } from '../testing/services.js';
import { addedBy, dumpReader, kindOf, renamedByMap } from './callgrind.mjs';
import { startBackends } from './backends.mjs';
import { jitSymbols } from './perf-record.mjs';
import { heapFlags, numberOption, root, semiSpaceOption, sendSyncJobs, startServer } from './runner.mjs';
import { median, orderBalancedMedian } from './stats.mjs';
import { QUEUE_PARTS, flipSwitches, writeWorkerSwitchable } from './switches.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((a) => { const [k, ...v] = a.replace(/^--/, '').split('='); return [k, v.join('=')]; }));
const ENTRIES = String(args.parts || 'all').split(';').map((e) => (e === 'all' ? QUEUE_PARTS : e.split(',')));
for (const part of ENTRIES.flat()) if (!QUEUE_PARTS.includes(part) && part !== 'spin') throw new Error(`--parts: unknown part ${part} (${QUEUE_PARTS.join(', ')}, spin, or all)`);
/** Every part any entry switches: the warm-up's switched-off state, and the spin's turns computed at start. */
const ALL_PARTS = [...new Set(ENTRIES.flat())];
const LIBRARY = args.library ?? 'bull';
if (!['bull', 'bullmq'].includes(LIBRARY)) throw new Error(`--library: bull or bullmq, not ${LIBRARY}`);
const WARMUP_JOBS = numberOption('warmup-jobs', args['warmup-jobs'], 12_000, { positive: true, whole: true });
const JOBS = numberOption('jobs', args.jobs, 300, { positive: true, whole: true });
const ROUNDS = numberOption('rounds', args.rounds, 3, { positive: true, whole: true });
const SPIN_TURNS = numberOption('spin-turns', args['spin-turns'], 20_000, { positive: true, whole: true });
const SEMI_SPACE = semiSpaceOption(args['semi-space']);
const TOP = numberOption('top', args.top, 25, { positive: true, whole: true });
// Collections and compiles come in lumps that fall in one window or the next: the steadier figure leaves them out.
const LUMPY = new Set(['garbage collection', "V8's compilers"]);
const out = join(root, `tmp/bench/callgrind-queue-${process.pid}`);

const callgrind = (command, pid) => execFileSync('callgrind_control', [command, String(pid)], { stdio: 'ignore' });

async function main() {
  const entry = writeWorkerSwitchable('main-instructions.js', 0);
  const backends = await startBackends({ semiSpace: SEMI_SPACE });
  const client = new pg.Client({ connectionString: backends.db.on });
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  // The parts the next flip switches off, read by the worker at each flip (switches.mjs).
  const partsFile = join(out, 'parts');
  writeFileSync(partsFile, ALL_PARTS.join(','));
  let api;
  let worker;
  try {
    await backends.stopApis();
    await client.connect();
    // BullMQ's keys on a Redis database of their own, as in the queue scenario.
    const env = { DATABASE_URL: backends.db.on, REDIS_URL: LIBRARY === 'bull' ? backends.redisUrl.on : backends.redisUrl.db(3), QUEUE_LIBRARY: LIBRARY, LOG_LEVEL: 'info' };
    const apiPort = await freePort();
    api = await startServer('queue-instructions api', process.execPath, [...heapFlags(SEMI_SPACE), join(root, 'dist/apps/api/main.js')], { env: { ...env, PORT: String(apiPort) }, readyUrl: `http://127.0.0.1:${apiPort}/health` });
    const port = await freePort();
    const valgrind = ['--tool=callgrind', '--instr-atstart=no', '--separate-threads=yes', '--dump-instr=no', `--callgrind-out-file=${out}/worker`];
    worker = await startServer(`queue-instructions worker (${LIBRARY}, under callgrind)`, 'valgrind', [...valgrind, process.execPath, ...heapFlags(SEMI_SPACE), '--perf-basic-prof-only-functions', entry], {
      env: { ...env, PORT: String(port), SYNC_WORK_MS: '0', HOOKS_PARTS: ALL_PARTS.join(','), HOOKS_PARTS_FILE: partsFile, SPIN_TURNS: String(SPIN_TURNS) },
      readyUrl: `http://127.0.0.1:${port}/health`,
      timeoutMs: 300_000,
    });
    const pid = worker.child.pid;
    const send = (jobs) => sendSyncJobs({ port: apiPort, ids: backends.repositories.on, jobs, client, label: 'queue-instructions' });
    // In chunks: sendSyncJobs allows a call 120 s, and the first jobs of a cold worker under valgrind take seconds each.
    const sendInChunks = async (jobs) => {
      for (let sent = 0, chunk = 100; sent < jobs; sent += chunk, chunk = Math.min(1000, chunk * 2)) await send(Math.min(chunk, jobs - sent));
    };
    const flip = () => flipSwitches(worker);
    // Both states warmed up, as in api-instructions.mjs: on, then a quarter as many with every entry's parts off.
    await sendInChunks(WARMUP_JOBS);
    await flip();
    await sendInChunks(Math.ceil(WARMUP_JOBS / 4));
    await flip();
    // Instrumented, the worker runs five times slower again, while valgrind translates its code anew: each job then
    // carries more of the worker's timers' work (lock renewals, the module's queue sizes), and the first windows
    // counted 20 to 30 % more than the later ones. Jobs of both states first, uncounted.
    callgrind('--instr=on', pid);
    await send(JOBS * 2);
    await flip();
    await send(JOBS);
    await flip();
    const newDumps = dumpReader(out);
    const counted = ENTRIES.map(() => []);
    // Rounds alternate which state comes first (on, off | off, on | ...): the worker's count still drifts down from
    // window to window after 12,000 jobs, and a fixed order would charge that drift to the state counted first. Each
    // entry starts switched on; a flip from off to on clears the previous entry's parts whatever the file says.
    let state = 'on';
    for (const [e, parts] of ENTRIES.entries()) for (let r = 0; r < ROUNDS; r++) {
      if (r === 0) writeFileSync(partsFile, parts.join(','));
      for (const [i, next] of (r % 2 === 0 ? ['on', 'off'] : ['off', 'on']).entries()) {
        if (next !== state) await flip();
        state = next;
        callgrind('--zero', pid);
        await send(JOBS);
        // The last jobs' completion (Bull's and the module's events) runs after their rows are written.
        await new Promise((res) => setTimeout(res, 1000));
        callgrind('--dump', pid);
        const main = newDumps().find((d) => d.thread === 1);
        if (!main) throw new Error(`callgrind wrote no dump of the worker's main thread in ${out}`);
        const functions = {};
        for (const [name, cost] of main.self) if (cost[0] > 0) functions[name] = cost[0] / JOBS;
        counted[e].push({ state, round: r, first: i === 0, Ir: main.totals[0] / JOBS, functions });
      }
    }
    // V8's perf map names the compiled JavaScript that callgrind knows only by address (read once the windows ran).
    const map = `/tmp/perf-${pid}.map`;
    const symbolOf = jitSymbols(existsSync(map) ? readFileSync(map, 'utf8') : '');
    rmSync(map, { force: true });
    for (const w of counted.flat()) w.functions = renamedByMap(w.functions, symbolOf);
    const results = ENTRIES.map((parts, e) => report(parts, counted[e]));
    if (args.json) {
      const file = resolve(root, args.json);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify({ library: LIBRARY, jobs: JOBS, warmupJobs: WARMUP_JOBS, spinTurns: SPIN_TURNS, entries: results }, null, 2));
    }
  } finally {
    await worker?.stop();
    await api?.stop();
    await client.end().catch(() => {});
    await backends.stop();
    rmSync(entry, { force: true });
    rmSync(out, { recursive: true, force: true });
  }
}

const fmt = (n) => Math.round(n).toLocaleString('en');
const signed = (n) => `${n >= 0 ? '+' : ''}${fmt(n)}`;

/** Prints one entry's tables; returns its figures for --json. */
function report(parts, windows) {
  const on = windows.filter((w) => w.state === 'on');
  const off = windows.filter((w) => w.state === 'off');
  const Ir = { on: median(on.map((w) => w.Ir)), off: median(off.map((w) => w.Ir)) };
  // Each round's on less off, read as the mean of each order's median (stats.mjs): a steady drift cancels.
  const paired = on.map((w, r) => w.Ir - off[r].Ir);
  const added = orderBalancedMedian(paired, on.map((w) => (w.first ? 'on' : 'off')));
  const kinds = addedBy(on, off, kindOf);
  const steady = kinds.filter((k) => !LUMPY.has(k.name)).reduce((sum, k) => ({ on: sum.on + k.on, added: sum.added + k.added }), { on: 0, added: 0 });
  const functions = addedBy(on, off, (name) => name);
  const switched = parts.map((p) => (p === 'spin' ? `spin (${SPIN_TURNS} turns)` : p)).join(', ');
  console.log(`\n# The module's per-job hooks in the worker (${LIBRARY}), in instructions (callgrind; switched: ${switched}; ${ROUNDS} pairs of windows of ${JOBS} jobs after ${WARMUP_JOBS})\n`);
  console.log(`| window | round | state | main thread: Ir per job |\n|---|---:|---|---:|`);
  for (const [i, w] of windows.entries()) console.log(`| ${i + 1} | ${w.round + 1} | ${w.state} | ${fmt(w.Ir)} |`);
  console.log(`\nMain thread, Ir per job: on ${fmt(Ir.on)}, switched off ${fmt(Ir.off)} (medians of the windows); added ${signed(added)} (${((added / Ir.off) * 100).toFixed(2)} %; each round's ${paired.map(signed).join(', ')}, read order-balanced);`);
  console.log(`all but garbage collection and V8's compilers (means): ${signed(steady.added)} (${((steady.added / (steady.on - steady.added)) * 100).toFixed(2)} %)`);
  console.log('\nBy kind of code, on against off (means of the windows):\n\n| kind | on | added |\n|---|---:|---:|');
  for (const k of kinds) console.log(`| ${k.name} | ${fmt(k.on)} | ${signed(k.added)} |`);
  console.log('\nThe functions whose own instructions per job differ most, on against off:\n\n| function | on | added |\n|---|---:|---:|');
  for (const f of functions.slice(0, TOP)) console.log(`| ${f.name.slice(0, 120).replaceAll('|', '\\|')} | ${fmt(f.on)} | ${signed(f.added)} |`);
  const lean = windows.map(({ state, round, first, Ir: perJob }) => ({ state, round, first, Ir: perJob }));
  return { parts, windows: lean, Ir, added, paired, steady, kinds, functions: functions.slice(0, 400).map((f) => ({ ...f, kind: kindOf(f.name) })) };
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`queue-instructions failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
