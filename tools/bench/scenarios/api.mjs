import { join } from 'node:path';
import { apiJudgedShare, apiRunFigures, formatTable, knownWorkLabel, median, summarize } from '../stats.mjs';
import { OFF_FLAGS } from '../backends.mjs';
import { warmUpInTurns, wrkWithCpu } from '../load.mjs';
import { alternate, header, root } from '../runner.mjs';
import { gcPerRequest } from '../gc-probe.mjs';
import { requestSpinPrelude, writeSwitchable } from '../switches.mjs';

const LABEL = { off: 'observability off', on: 'observability on', 'on-no-access-log': 'observability on, no access line' };
const ENV = {
  off: OFF_FLAGS,
  on: {},
  'on-no-access-log': { OBSERVABILITY_ACCESS_LOG_ENABLED: 'false' },
  'known-work': { ...OFF_FLAGS, HOOKS_PARTS: 'spin' },
};
/** The first Redis database of the apis this scenario starts (1 and 2 are the shared apis', 3 and 4 BullMQ's). */
const FIRST_REDIS_DB = 5;

const variantsOf = (o) => ['off', 'on', 'on-no-access-log', ...(o.knownWork > 0 ? ['known-work'] : [])];

/** The Redis databases the bench's Redis needs for this scenario: one for every api of every run (at least Redis's 16). */
export function apiRedisDatabases(o) {
  return Math.max(16, FIRST_REDIS_DB + variantsOf(o).length * o.apiProcesses * o.apiRuns);
}

/** A variant's per-process CPU per request, as printed: `289 / 375 / 283`. */
const perProcess = (row) => row.cpuMicrosPerProcess.map((c) => (c === undefined ? '?' : c.toFixed(0))).join(' / ');

// 2. The real api
// Two processes of one build, configuration and history differ by several per cent in CPU per request (heap layout,
// JIT: measured, docs/performance.md), so each variant runs in --api-processes processes and its figure is the mean
// of their medians. The third variant, everything on but the access line (OBSERVABILITY_ACCESS_LOG_ENABLED=false),
// shows the largest lever. With --known-work, a fourth is switched off and does that many µs of fixed work at the
// start of every request (switches.mjs): what this machine's measurement charges for work of a known size, beside
// the module's. Processes beyond the shared on/off apis are started here, each on a database and a Redis database
// of its own, seeded like the shared ones. One run's figure moves by several % from the next's, with its processes,
// so --api-runs=N measures N times, the runs after the first in new processes only, and the target is judged on the
// median over the runs (stats.mjs), as the queue's and the comments' are.
export async function apiScenario(o, backends, results, gcProbeDir) {
  const variants = variantsOf(o);
  const entry = {};
  if (o.knownWork > 0) {
    entry['known-work'] = join(root, 'dist/apps/api/main-known-work.js');
    writeSwitchable(join(root, 'dist/apps/api/main.js'), entry['known-work'], [], requestSpinPrelude(o.knownWork, false));
  }
  const common = { processes: o.apiProcesses, ...(o.knownWork > 0 ? { knownWork: o.knownWork } : {}) };
  const redisDb = { next: FIRST_REDIS_DB };
  const runs = [];
  for (let run = 1; run <= o.apiRuns; run++) {
    // The first run measures the shared on and off apis among its processes; the next ones only processes of their own.
    const shared = run === 1 ? { off: [backends.apis.off], on: [backends.apis.on] } : {};
    const title = o.apiRuns > 1 ? ` (run ${run} of ${o.apiRuns})` : '';
    runs.push(await measureRun(o, backends, variants, shared, entry, redisDb, gcProbeDir, title));
  }
  if (runs.length === 1) {
    results.api = { ...runs[0], ...common };
    return;
  }
  results.api = { ...common, runs };
  printRuns(runs, o.knownWork);
}

/** One run: the variants' processes (`shared` ones first), started, measured and stopped. */
async function measureRun(o, backends, variants, shared, entry, redisDb, gcProbeDir, title) {
  const processes = Object.fromEntries(variants.map((v) => [v, [...(shared[v] ?? [])]]));
  const started = [];
  try {
    for (const v of variants) {
      while (processes[v].length < o.apiProcesses) {
        const n = redisDb.next++;
        const label = `${v === 'known-work' ? knownWorkLabel(o.knownWork) : LABEL[v]} #${processes[v].length + 1}`;
        const api = await backends.startSeededApi(`bench_api_${n}`, label, { ...ENV[v], REDIS_URL: backends.redisUrl.db(n) }, entry[v]);
        started.push(api);
        processes[v].push(api);
      }
    }
    return await measure(o, variants, processes, gcProbeDir, title);
  } finally {
    for (const api of started) await api.stop();
  }
}

async function measure(o, variants, processes, gcProbeDir, title) {
  const url = (api) => `http://127.0.0.1:${api.port}/api/v1/repositories?limit=20`;
  // Every process is one entry of the alternation: `on#2` runs between `off#1` and `on-no-access-log#2`, and so on.
  const entries = Object.fromEntries(variants.flatMap((v) => processes[v].map((api, i) => [`${v}#${i + 1}`, api])));
  const warmUps = warmUpInTurns(Object.values(entries).map(url), o.apiWarmupRequests, o.connections);
  const warmedIn = warmUps.map((w) => w.seconds);
  // Besides throughput, the api's own CPU time per request: on two cores shared with PostgreSQL and wrk,
  // throughput swings with whatever else runs, CPU spent per request much less.
  const from = Date.now();
  const samples = await alternate(Object.keys(entries), o.rounds, async (entry) =>
    wrkWithCpu(url(entries[entry]), o.duration, o.connections, entries[entry]),
  );
  const to = Date.now();
  const of = (v) => Object.keys(entries).filter((e) => e.startsWith(`${v}#`));
  const pooled = (v) => of(v).flatMap((e) => samples[e]);
  const cpuMedian = (list) => {
    const cpu = list.map((s) => s.cpuMicrosPerRequest).filter((x) => x !== undefined);
    return cpu.length ? median(cpu) : undefined;
  };
  // A variant's CPU per request: the mean of its processes' medians (each process weighs the same; pooling the
  // rounds of two processes that sit apart gives a median that jumps between them).
  const rows = variants.map((v) => {
    const perProcess = of(v).map((e) => cpuMedian(samples[e]));
    const known = perProcess.filter((c) => c !== undefined);
    return {
      ...summarize(v === 'known-work' ? knownWorkLabel(o.knownWork) : LABEL[v], pooled(v), pooled('off')),
      cpuMicrosPerRequest: known.length === perProcess.length ? known.reduce((a, b) => a + b, 0) / known.length : undefined,
      cpuMicrosPerProcess: perProcess,
    };
  });
  const gc = gcProbeDir
    ? Object.entries(entries).map(([entry, api]) => ({ process: entry, pid: api.child.pid, cpuMicrosPerRequest: cpuMedian(samples[entry]), ...gcPerRequest(gcProbeDir, api.child.pid, from, to) }))
    : undefined;
  header(
    `The real api${title} (GET /api/v1/repositories?limit=20 on PostgreSQL${o.pgLogStatements ? ' logging every statement' : ''}, ${o.connections} connections, ` +
      `${o.apiProcesses} process${o.apiProcesses > 1 ? 'es' : ''} per variant, each warmed up by ${o.apiWarmupRequests} requests (${Math.min(...warmedIn).toFixed(0)} to ${Math.max(...warmedIn).toFixed(0)} s), ${o.rounds} × ${o.duration} s each)`,
  );
  process.stdout.write(formatTable(rows, 'added µs/req vs off'));
  const [off, on, quiet, known] = rows;
  if (off.cpuMicrosPerRequest && on.cpuMicrosPerRequest && quiet.cpuMicrosPerRequest) {
    const keeps = (row) => ((off.cpuMicrosPerRequest / row.cpuMicrosPerRequest) * 100).toFixed(1);
    process.stdout.write(
      `\napi CPU time per request (mean of the processes' medians): off ${off.cpuMicrosPerRequest.toFixed(0)} µs, on ${on.cpuMicrosPerRequest.toFixed(0)} µs: ` +
        `a CPU-bound api keeps ${keeps(on)} % of its throughput; on without the access line ${quiet.cpuMicrosPerRequest.toFixed(0)} µs: ${keeps(quiet)} %\n` +
        `per process (median of its rounds): off ${perProcess(off)} µs, on ${perProcess(on)} µs, on without the access line ${perProcess(quiet)} µs\n`,
    );
    if (known?.cpuMicrosPerRequest) {
      process.stdout.write(
        `off with ${o.knownWork} µs of known work per request: ${known.cpuMicrosPerRequest.toFixed(0)} µs (${perProcess(known)}), +${(known.cpuMicrosPerRequest - off.cpuMicrosPerRequest).toFixed(1)} µs: keeps ${keeps(known)} %\n`,
      );
    }
  }
  if (gc) printGc(gc);
  return { rows, warmUps, ...(gc ? { gc } : {}) };
}

/** --api-runs: each run's share kept by CPU per request, and the median the target is judged on (stats.mjs). */
function printRuns(runs, knownWork) {
  header(`The real api over ${runs.length} runs`);
  process.stdout.write('| run | off, per process µs | on, per process µs | keeps by CPU | known work read |\n|---:|---|---|---:|---:|\n');
  const figures = runs.map((run) => apiRunFigures(run, knownWork));
  figures.forEach((f, i) => {
    const of = (variant) => perProcess(runs[i].rows.find((r) => r.variant === variant));
    const ruler = f.ruler ? `+${f.ruler.charged.toFixed(1)} µs of ${f.ruler.work}${f.unresolved ? ' (not judged)' : ''}` : 'n/a';
    const share = f.cpuShare === undefined ? 'n/a' : `${(f.cpuShare * 100).toFixed(1)} %`;
    process.stdout.write(`| ${i + 1} | ${of(LABEL.off)} | ${of(LABEL.on)} | ${share} | ${ruler} |\n`);
  });
  const share = apiJudgedShare(figures);
  if (share !== undefined) process.stdout.write(`\nThe median over the judged runs: ${(share * 100).toFixed(1)} % kept by CPU per request.\n`);
}

/** --gc: each process's collector beside its CPU, over all its rounds (pauses as V8 reports them, helpers included). */
function printGc(gc) {
  const fixed = (x, digits = 1) => (x === undefined ? '?' : x.toFixed(digits));
  process.stdout.write(
    '\nGarbage collection per request during the rounds (--gc):\n\n| process | CPU µs/request (median) | minor GC µs | major GC µs | scavenges per 1,000 requests | young generation MB (smallest, end) |\n|---|---:|---:|---:|---:|---:|\n',
  );
  for (const p of gc) {
    process.stdout.write(`| ${p.process} | ${fixed(p.cpuMicrosPerRequest, 0)} | ${fixed(p.minorMicros)} | ${fixed(p.majorMicros)} | ${fixed(p.scavengesPer1000, 2)} | ${fixed(p.youngMinMB)}, ${fixed(p.youngMB)} |\n`);
  }
}
