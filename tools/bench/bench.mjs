#!/usr/bin/env node
// `npm run bench`: the performance scenarios of docs/performance.md, variants run alternately (A B C A B C ...,
// starting one further along each round) after a warm-up, medians of the rounds reported with min-max.
//
//   npm run bench                        all scenarios, full size (about 15 minutes on 2 cores)
//   npm run bench -- --smoke             every scenario at a tiny size (what `npm test` runs; figures meaningless)
//   npm run bench -- --only=http,scrape  some scenarios: http, api, comments, exporter, queue, scrape
//   npm run bench -- --only=exporter --exporter-seconds=60 --exporter-interval=15   postgres_exporter's cost to PostgreSQL
//   npm run bench -- --only=exporter --exporter-tables=1000   the same with 1,000 tables more than the seed's
//   npm run bench -- --rounds=7 --duration=5 --connections=32 --json=tmp/bench/results.json
//   npm run bench -- --only=http --adapters=express --variants=bare,all   a subset of the HTTP variants
//   npm run bench -- --only=http --variants=bare,all --base-app=tmp/ab/bench-app.js   each module variant beside its twin from
//                                                                          another build of the bench app (a copy of dist/tools/bench/bench-app.js
//                                                                          made at another commit, kept inside the repository), as <variant>@base
//   npm run bench -- --only=queue --queue-libraries=bullmq                 the queue scenario on one library
//   npm run bench -- --only=queue --queue-warmup=12000                     jobs per worker before the rounds (default 12,000)
//   npm run bench -- --only=queue --queue-runs=5                          the queue measured five times (new processes each), judged on the median
//   npm run bench -- --only=api --pg-log-statements                       PostgreSQL logging every statement (to its log file)
//   npm run bench -- --only=api --api-processes=3                          api processes per variant (default 2)
//   npm run bench -- --only=api --api-runs=5                              the api measured five times (new processes each), judged on the median
//   npm run bench -- --only=api --api-warmup-requests=100000               requests per api before the rounds (default 60,000)
//   npm run bench -- --only=api --gc                                       each api's garbage collection per request beside its CPU
//   npm run bench -- --only=comments --no-build                           the bundles in dist/ as they are (an ad hoc edit of one; without
//                                                                          it the bench builds first, and Nx's cache puts back what the sources make)
//   npm run bench -- --only=comments --comments-runs=10                   the comments measured ten times (new workers each), judged on the median
//   npm run bench -- --semi-space=0                                       V8 sizes the young generations itself, memory reducer on (default: 64 MB a semi-space, reducer off)
//   npm run bench -- --only=api --known-work=50                            the fourth api, switched off, with 50 µs of fixed work per request (default 20; 0: none)
//
// HTTP load comes from wrk (apt-get install -y wrk). With two or more cores the server under test is pinned to
// core 0 and wrk to core 1 (taskset), so neither steals the other's CPU.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { evaluateTargets } from './stats.mjs';
import { startBackends } from './backends.mjs';
import { header, numberOption, pinning, root, semiSpaceOption, which } from './runner.mjs';
import { enableGcProbe } from './gc-probe.mjs';
import { httpScenario } from './scenarios/http.mjs';
import { apiRedisDatabases, apiScenario } from './scenarios/api.mjs';
import { commentsScenario } from './scenarios/comments.mjs';
import { exporterScenario } from './scenarios/exporter.mjs';
import { queueScenario } from './scenarios/queue.mjs';
import { scrapeScenario } from './scenarios/scrape.mjs';

const SCENARIOS = ['http', 'api', 'comments', 'exporter', 'queue', 'scrape'];

function parseArgs(argv) {
  const args = Object.fromEntries(
    argv.map((a) => {
      const m = /^--([\w-]+)(?:=(.*))?$/.exec(a);
      if (!m) throw new Error(`unknown argument ${a}; see the header of tools/bench/bench.mjs`);
      return [m[1], m[2] ?? true];
    }),
  );
  if ('api-warmup' in args) throw new Error('--api-warmup (seconds) is now --api-warmup-requests (a count of requests: V8 optimises by how often code ran)');
  const smoke = Boolean(args.smoke);
  const only = args.only ? String(args.only).split(',') : SCENARIOS;
  for (const s of only) if (!SCENARIOS.includes(s)) throw new Error(`--only: unknown scenario ${s} (${SCENARIOS.join(', ')})`);
  const num = (name, full, small, whole = false) => numberOption(name, args[name], smoke ? small : full, { positive: true, whole });
  /** A size that may be 0 (none), given or by default. */
  const size = (name, full) => numberOption(name, args[name], full);
  // Each api beyond the shared on/off ones takes a Redis database of its own (backends.mjs sizes Redis for them).
  const apiProcesses = num('api-processes', 2, 2, true);
  // What the api's measurement makes of known work (scenarios/api.mjs): µs per request; 20 by default, so every run
  // of the api says how much it resolves (--known-work=0 leaves it out).
  const knownWork = size('known-work', 20);
  return {
    smoke,
    only,
    build: !args['no-build'],
    pgLogStatements: 'pg-log-statements' in args,
    gc: 'gc' in args,
    rounds: num('rounds', 9, 1),
    duration: num('duration', 2, 1),
    warmup: num('warmup', 3, 1),
    // V8 keeps optimising the api for about 60,000 requests (docs/performance-log.md, "Twelfth look"); a shorter warm-up
    // measures processes on the way there, and a warm-up in seconds went less far on a slower machine.
    apiWarmupRequests: num('api-warmup-requests', 60_000, 200, true),
    connections: num('connections', 32, 8),
    apiProcesses,
    apiRuns: num('api-runs', 1, 1, true),
    knownWork,
    // MB per semi-space of V8's young generation in every measured Node process, fixed, V8's memory reducer off
    // (runner.mjs heapFlags).
    semiSpace: semiSpaceOption(args['semi-space']),
    queries: num('queries', 10_000, 200),
    commentsRuns: num('comments-runs', 1, 2, true),
    jobs: num('jobs', 1_000, 40),
    // V8 moves a worker's job path to TurboFan at about 11,000 jobs, all at once (docs/performance-log.md, "Eleventh
    // look"): the rounds measure workers past it, as they run for days.
    queueWarmup: num('queue-warmup', 12_000, 40),
    queueRuns: num('queue-runs', 1, 1, true),
    scrapes: num('scrapes', 40, 3),
    exporterSeconds: num('exporter-seconds', 60, 3),
    exporterInterval: num('exporter-interval', 15, 1),
    // Tables added to the seed's before the exporter's phases (with an index and a row each): its cost grows with them.
    exporterTables: numberOption('exporter-tables', args['exporter-tables'], 0, { whole: true }),
    adapters: args.adapters ? String(args.adapters).split(',') : ['express', 'fastify'],
    queueLibraries: args['queue-libraries'] ? String(args['queue-libraries']).split(',') : ['bull', 'bullmq'],
    variants: args.variants ? String(args.variants).split(',') : undefined,
    baseApp: args['base-app'] ? String(args['base-app']) : undefined,
    json: args.json ? String(args.json) : join(root, 'tmp', 'bench', smoke ? 'smoke.json' : 'results.json'),
  };
}


// ---------------------------------------------------------------------------------------------------------------
async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!which('wrk')) throw new Error('wrk not found: apt-get install -y wrk');
  if (o.build) execFileSync('npx', ['nx', 'run-many', '-t', 'build', '-p', 'api,worker,bench', '--outputStyle=static'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const results = {
    machine: { cpu: cpus()[0]?.model, cores: availableParallelism(), node: process.version, pinned: Boolean(pinning) },
    options: o,
    http: {},
  };
  process.stdout.write(`# commandcenter benchmarks${o.smoke ? ' (smoke size: figures are not meaningful)' : ''}\n\n`);
  process.stdout.write(`${results.machine.cores} × ${results.machine.cpu}, Node ${process.version}, ${pinning ? 'server pinned to core 0, load generator to core 1' : 'no CPU pinning'}\n`);
  if (o.only.includes('http')) await httpScenario(o, results);
  const needBackends = o.only.some((s) => ['api', 'comments', 'exporter', 'queue'].includes(s));
  // With --gc the apis (the shared ones too) load the GC probe; processes started after the api scenario do not.
  const gcProbe = o.gc && o.only.includes('api') ? enableGcProbe() : undefined;
  const backends = needBackends ? await startBackends({ ...o, redisDatabases: o.only.includes('api') ? apiRedisDatabases(o) : undefined }) : undefined;
  try {
    if (o.only.includes('api')) await apiScenario(o, backends, results, gcProbe?.dir);
    gcProbe?.disable();
    if (o.only.includes('comments')) await commentsScenario(o, backends, results);
    if (o.only.includes('exporter')) await exporterScenario(o, backends, results);
    if (o.only.includes('queue')) {
      await backends.stopApis();
      await queueScenario(o, backends, results);
    }
  } finally {
    await backends?.stop();
    gcProbe?.remove();
  }
  if (o.only.includes('scrape')) await scrapeScenario(o, results);
  results.targets = evaluateTargets(results);
  header('Targets');
  for (const t of results.targets) process.stdout.write(`- ${t.met ? 'met' : t.met === false ? 'MISSED' : 'n/a'}: ${t.name}: ${t.detail}\n`);
  mkdirSync(dirname(o.json), { recursive: true });
  writeFileSync(o.json, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\nResults as JSON: ${o.json}\n`);
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
