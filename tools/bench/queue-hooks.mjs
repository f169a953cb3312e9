#!/usr/bin/env node
// What the module's per-job work costs the real worker, measured inside one worker process, as api-hooks.mjs does for
// the api: the queue scenario compares separate processes, whose spread is as large as the target. It copies the
// built worker (dist/apps/worker/main.js, from `npm run bench` or `nx run worker:build`) to main-hooks.js beside it,
// with a switch at each per-job hook of the module; SIGUSR1 flips the switches of the process. Each entry of
// --parts gets an api (everything on) and a switchable worker of its own; each round sends --jobs sync jobs through
// them switched on, flips, and sends as many again.
//
//   node tools/bench/queue-hooks.mjs [--parts="ctx;events;line;sub;sql;timer;fixed;spin"] [--library=bull|bullmq] [--rounds=10]
//                                    [--jobs=1500] [--warmup=8] [--spin-micros=50] [--perf-record] [--v8-log] [--semi-space=64]
//                                    [--json=tmp/bench/queue-hooks.json]
//
// --parts: one worker per `;`-separated entry; an entry is `all` or a `,`-list of
//   ctx     the job's context restored around its processor (request id, trace, the fields its lines carry)
//   events  the job event line (`job completed`) and the job metrics
//   line    the `job completed` line only (part of events)
//   sub     the TypeORM subscriber (db_query_duration_seconds)
//   sql     the query comments
//   timer   not a switch off: switched, the log lines wait for a 10 ms timer instead of the end of their turn (fewer
//           write calls: what batching the lines across jobs would save)
//   fixed   not a switch off: the comments take one fixed text of the module's length instead of the module's own, so
//           the figure is the module's code and not the longer statements
//   spin    not the module's: --spin-micros µs of fixed work per completed job (switches.mjs; calibration)
// Worker CPU per job is every thread's CPU (schedstat, in ns) over the round, the main thread's beside it, and what is
// added split by mode (user, system: /proc's 10 ms ticks over the round's jobs); jobs/s is the round's, end to end.
// --semi-space: MB per semi-space of the worker's and the api's young generation, fixed, and V8's memory
//   reducer off (runner.mjs heapFlags; 0: V8 sizes it and reduces it as it would).
// --perf-record: each round also recorded by `perf record` (perf-record.mjs), and the worker's CPU per job printed by
//   kind of code, by innermost JS function and by innermost frame, on against off, over all rounds (Linux perf, as
//   root).
// --v8-log: the worker writes V8's log (v8-log.mjs), and its optimised compiles and deoptimisations during the
//   measured rounds are printed per 1,000 jobs, on against off, by kind and by function.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { freePort } from '../testing/services.js';
import { startBackends } from './backends.mjs';
import { cpuMicros, heapFlags, numberOption, root, semiSpaceOption, sendSyncJobs, startServer } from './runner.mjs';
import { RoundRecordings } from './round-recordings.mjs';
import { median } from './stats.mjs';
import { QUEUE_PARTS, flipSwitches, writeWorkerSwitchable } from './switches.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((a) => { const [k, ...v] = a.replace(/^--/, '').split('='); return [k, v.join('=')]; }));
const PARTS = QUEUE_PARTS;
const entries = String(args.parts ?? 'all').split(';').map((e) => (e === 'all' ? PARTS : e.split(',')));
for (const part of entries.flat()) if (![...PARTS, 'line', 'fixed', 'spin', 'timer'].includes(part)) throw new Error(`--parts: unknown part ${part} (${PARTS.join(', ')}, line, timer, fixed, spin, or all)`);
const LIBRARY = args.library ?? 'bull';
if (!['bull', 'bullmq'].includes(LIBRARY)) throw new Error(`--library: bull or bullmq, not ${LIBRARY}`);
const ROUNDS = numberOption('rounds', args.rounds, 10, { positive: true, whole: true });
const SEMI_SPACE = semiSpaceOption(args['semi-space']);
const JOBS = numberOption('jobs', args.jobs, 1500, { positive: true, whole: true });
// Rounds of --jobs before measuring: V8 optimises the job's path with TurboFan after about 11,000 jobs, all of it
// at once, a round whose CPU is not the module's (docs/performance-log.md, "Eleventh look").
const WARMUP = numberOption('warmup', args.warmup, 8, { whole: true });
const SPIN_MICROS = numberOption('spin-micros', args['spin-micros'], 50);
const RECORD = { perfRecord: args['perf-record'] !== undefined, v8Log: args['v8-log'] !== undefined };
const writeCalls = (pid) => Number(/syscw: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1]);

async function main() {
  const entry = writeWorkerSwitchable('main-hooks.js', SPIN_MICROS);
  const backends = await startBackends({ semiSpace: SEMI_SPACE });
  const client = new pg.Client({ connectionString: backends.db.on });
  const rows = [];
  try {
    await backends.stopApis();
    await client.connect();
    // BullMQ's keys on a Redis database of their own, as in the queue scenario.
    const env = { DATABASE_URL: backends.db.on, REDIS_URL: LIBRARY === 'bull' ? backends.redisUrl.on : backends.redisUrl.db(3), QUEUE_LIBRARY: LIBRARY, LOG_LEVEL: 'info' };
    for (const parts of entries) rows.push({ parts, ...(await measureEntry(backends, client, env, entry, parts)) });
  } finally {
    await client.end().catch(() => {});
    await backends.stop();
    rmSync(entry, { force: true });
  }
  console.log(`# The module's per-job hooks in the worker (${LIBRARY}), switched inside each process (${ROUNDS} rounds of ${JOBS} jobs on and off)\n`);
  console.log('| worker | switched | CPU µs/job, on | switched off | added (median of paired rounds) | main thread alone: added | user: added | system: added | jobs/s change (the same) | write calls per job, on / off |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const [i, r] of rows.entries()) {
    const switched = r.parts.map((p) => (p === 'spin' ? `spin (${SPIN_MICROS} µs)` : p)).join(', ');
    console.log(`| ${i + 1} | ${switched} | ${r.on.toFixed(0)} | ${r.off.toFixed(0)} | ${r.added.toFixed(1)} | ${r.mainAdded.toFixed(1)} | ${r.userAdded.toFixed(1)} | ${r.systemAdded.toFixed(1)} | ${r.jobsPerSecondChange.toFixed(1)} % | ${r.writes.on.toFixed(2)} / ${r.writes.off.toFixed(2)} |`);
  }
  for (const [i, r] of rows.entries()) for (const section of r.recordings.sections(`Worker ${i + 1}`, 'job')) console.log(`\n${section}`);
  if (args.json) {
    const path = resolve(root, args.json);
    mkdirSync(dirname(path), { recursive: true });
    const workers = rows.map(({ recordings, ...r }) => ({ ...r, ...recordings.json() }));
    writeFileSync(path, JSON.stringify({ library: LIBRARY, rounds: ROUNDS, jobs: JOBS, spinMicros: SPIN_MICROS, workers }, null, 2));
  }
}

/** One api and one switchable worker, measured round by round on and switched off. */
async function measureEntry(backends, client, env, entry, parts) {
  const apiPort = await freePort();
  const api = await startServer('queue-hooks api', process.execPath, [...heapFlags(SEMI_SPACE), join(root, 'dist/apps/api/main.js')], { env: { ...env, PORT: String(apiPort) }, readyUrl: `http://127.0.0.1:${apiPort}/health` });
  const port = await freePort();
  const recordings = new RoundRecordings(RECORD, entry, `queue-hooks-${process.pid}-${parts.join('-')}`);
  const worker = await startServer(`queue-hooks worker (${parts.join(',')})`, process.execPath, [...heapFlags(SEMI_SPACE), ...recordings.nodeArgs(), entry], {
    env: { ...env, PORT: String(port), SYNC_WORK_MS: '0', HOOKS_PARTS: parts.join(','), ...recordings.env() },
    readyUrl: `http://127.0.0.1:${port}/health`,
  });
  const pid = worker.child.pid;
  recordings.started(pid, worker.spawnedAt);
  const round = async (jobs) => {
    const [cpu, writes] = [cpuMicros(pid), writeCalls(pid)];
    const seconds = await sendSyncJobs({ port: apiPort, ids: backends.repositories.on, jobs, client, label: 'queue-hooks' });
    const after = cpuMicros(pid);
    return { cpu: (after.all - cpu.all) / jobs, mainCpu: (after.main - cpu.main) / jobs, user: (after.user - cpu.user) / jobs, system: (after.system - cpu.system) / jobs, jobsPerSecond: jobs / seconds, writes: (writeCalls(pid) - writes) / jobs };
  };
  // A measured round, recorded as asked (the warm-up rounds are not).
  const measured = (off) => recordings.round(off ? 'off' : 'on', () => round(JOBS), () => JOBS);
  try {
    for (let i = 0; i < WARMUP; i++) await round(JOBS);
    let switchedOff = false;
    const f = { on: [], off: [] };
    for (let r = 0; r < ROUNDS; r++) {
      const first = await measured(switchedOff);
      const firstWasOff = switchedOff;
      switchedOff = !switchedOff;
      await flipSwitches(worker, 200);
      const second = await measured(switchedOff);
      const [on, without] = firstWasOff ? [second, first] : [first, second];
      f.on.push(on);
      f.off.push(without);
    }
    return {
      on: median(f.on.map((x) => x.cpu)),
      off: median(f.off.map((x) => x.cpu)),
      added: median(f.on.map((x, i) => x.cpu - f.off[i].cpu)),
      mainAdded: median(f.on.map((x, i) => x.mainCpu - f.off[i].mainCpu)),
      userAdded: median(f.on.map((x, i) => x.user - f.off[i].user)),
      systemAdded: median(f.on.map((x, i) => x.system - f.off[i].system)),
      jobsPerSecondChange: median(f.on.map((x, i) => (x.jobsPerSecond / f.off[i].jobsPerSecond - 1) * 100)),
      writes: { on: median(f.on.map((x) => x.writes)), off: median(f.off.map((x) => x.writes)) },
      recordings,
    };
  } finally {
    await worker.stop();
    await api.stop();
    recordings.exited();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`queue-hooks failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
