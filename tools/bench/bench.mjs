#!/usr/bin/env node
// `npm run bench`: the performance scenarios of docs/performance.md, variants run alternately (A B C A B C ...,
// starting one further along each round) after a warm-up, medians of the rounds reported with min-max.
//
//   npm run bench                        all scenarios, full size (about 15 minutes on 2 cores)
//   npm run bench -- --smoke             every scenario at a tiny size (what `npm test` runs; figures meaningless)
//   npm run bench -- --only=http,scrape  some scenarios: http, api, comments, queue, scrape
//   npm run bench -- --rounds=7 --duration=5 --connections=32 --json=tmp/bench/results.json
//   npm run bench -- --only=http --adapters=express --variants=bare,all   a subset of the HTTP variants
//
// HTTP load comes from wrk (apt-get install -y wrk). With two or more cores the server under test is pinned to
// core 0 and wrk to core 1 (taskset), so neither steals the other's CPU.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { freePort, startPostgres, startRedis } from '../testing/services.js';
import { evaluateTargets, formatTable, median, parseWrk, summarize } from './stats.mjs';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const SCENARIOS = ['http', 'api', 'comments', 'queue', 'scrape'];

function parseArgs(argv) {
  const args = Object.fromEntries(
    argv.map((a) => {
      const m = /^--([\w-]+)(?:=(.*))?$/.exec(a);
      if (!m) throw new Error(`unknown argument ${a}; see the header of tools/bench/bench.mjs`);
      return [m[1], m[2] ?? true];
    }),
  );
  const smoke = Boolean(args.smoke);
  const only = args.only ? String(args.only).split(',') : SCENARIOS;
  for (const s of only) if (!SCENARIOS.includes(s)) throw new Error(`--only: unknown scenario ${s} (${SCENARIOS.join(', ')})`);
  const num = (name, full, small) => {
    const value = Number(args[name] ?? (smoke ? small : full));
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
    return value;
  };
  return {
    smoke,
    only,
    build: !args['no-build'],
    rounds: num('rounds', 9, 1),
    duration: num('duration', 2, 1),
    warmup: num('warmup', 3, 1),
    connections: num('connections', 32, 8),
    queries: num('queries', 10_000, 200),
    jobs: num('jobs', 1_000, 40),
    scrapes: num('scrapes', 40, 3),
    adapters: args.adapters ? String(args.adapters).split(',') : ['express', 'fastify'],
    variants: args.variants ? String(args.variants).split(',') : undefined,
    json: args.json ? String(args.json) : join(root, 'tmp', 'bench', smoke ? 'smoke.json' : 'results.json'),
  };
}

function which(command) {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const pinning = availableParallelism() >= 2 && which('taskset');
/** Command prefix that pins a process to one core (server on 0, load generator on 1). */
const pin = (core) => (pinning ? ['taskset', '-c', String(core)] : []);

const children = new Set();
function cleanup() {
  for (const child of children) child.kill('SIGKILL');
}
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

/** Spawns a server and resolves once it prints `{"ready":port}` on stderr (or answers `readyPath`). */
async function startServer(name, command, args, { env = {}, core = 0, readyUrl } = {}) {
  const [cmd, ...rest] = [...pin(core), command, ...args];
  const child = spawn(cmd, rest, { env: { ...process.env, NODE_ENV: 'production', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let stderr = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 60 s:\n${stderr}`)), 60_000);
    child.on('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready:\n${stderr}`)));
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderr += `${line}\n`;
      try {
        const msg = JSON.parse(line);
        if (msg.ready) {
          clearTimeout(timer);
          resolve(msg.ready);
        }
      } catch {
        /* not ours */
      }
    });
    if (readyUrl) {
      const poll = async () => {
        try {
          const res = await fetch(readyUrl);
          if (res.ok) {
            clearTimeout(timer);
            return resolve(new URL(readyUrl).port);
          }
        } catch {
          /* not yet */
        }
        if (child.exitCode === null) setTimeout(poll, 200);
      };
      void poll();
    }
  });
  return {
    name,
    port: Number(port),
    child,
    stderr: () => stderr,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', resolve);
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  };
}

function wrk(url, seconds, connections, headers = {}) {
  const headerArgs = Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  const [command, ...args] = [...pin(1), 'wrk', '-t1', `-c${connections}`, `-d${seconds}s`, '--latency', ...headerArgs, url];
  return parseWrk(execFileSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 20 }));
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux
/** CPU time (user + system) a process has used so far, in seconds, from /proc; undefined where there is none. */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** Runs `measure(variant)` for every variant, rounds times, rotating the order; returns samples per variant. */
async function alternate(variants, rounds, measure) {
  const samples = Object.fromEntries(variants.map((v) => [v, []]));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < variants.length; i++) {
      const variant = variants[(i + r) % variants.length];
      samples[variant].push(await measure(variant, r));
    }
  }
  return samples;
}

function header(title) {
  process.stdout.write(`\n## ${title}\n\n`);
}

// ---------------------------------------------------------------------------------------------------------------
// 1. HTTP overhead on the bench app
const HTTP_VARIANTS = ['bare', 'otel', 'off', 'correlation', 'metrics', 'errors', 'access-log', 'all-no-access-log', 'all'];

async function httpScenario(o, results) {
  const app = join(root, 'dist/tools/bench/bench-app.js');
  const variants = o.variants ?? ['raw', ...HTTP_VARIANTS];
  for (const v of variants) if (v !== 'raw' && !HTTP_VARIANTS.includes(v)) throw new Error(`--variants: unknown variant ${v}`);
  if (!variants.includes('bare')) throw new Error('--variants must include bare (the baseline)');
  for (const adapter of o.adapters) {
    if (adapter !== 'express' && adapter !== 'fastify') throw new Error(`--adapters: express or fastify, not ${adapter}`);
    const servers = {};
    if (adapter === 'express' && variants.includes('raw')) servers.raw = await startServer('raw node:http', process.execPath, [join(root, 'tools/bench/raw-server.mjs')]);
    for (const variant of HTTP_VARIANTS.filter((v) => variants.includes(v))) {
      const pre = variant === 'otel' ? ['--import', join(root, 'tools/bench/otel.mjs')] : [];
      servers[variant] = await startServer(`bench app ${adapter}/${variant}`, process.execPath, [...pre, app], {
        env: { BENCH_VARIANT: variant, BENCH_ADAPTER: adapter },
      });
    }
    const names = Object.keys(servers);
    const url = (v) => `http://127.0.0.1:${servers[v].port}/items/42`;
    for (const v of names) wrk(url(v), o.warmup, o.connections);
    const samples = await alternate(names, o.rounds, async (v) => wrk(url(v), o.duration, o.connections));
    for (const server of Object.values(servers)) await server.stop();
    const otelSpans = servers.otel && /"otelSpansExported":(\d+)/.exec(servers.otel.stderr())?.[1];
    const rows = names.map((v) => summarize(v === 'raw' ? 'raw node:http' : v, samples[v], samples.bare));
    results.http[adapter] = { rows, otelSpansExported: otelSpans === undefined ? undefined : Number(otelSpans) };
    header(`HTTP overhead, ${adapter} (GET /items/:id, ${o.connections} connections, ${o.rounds} × ${o.duration} s)`);
    process.stdout.write(formatTable(rows, 'added µs/req vs bare Nest'));
    process.stdout.write(`\nOpenTelemetry spans exported (dropped) during the run: ${otelSpans ?? 'unknown'}\n`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Services for the api, comments and queue scenarios
const OFF_FLAGS = Object.fromEntries(
  ['CORRELATION', 'LOGGING', 'ERRORS', 'METRICS', 'QUEUE_PROPAGATION', 'QUERY_COMMENTS'].map((f) => [`OBSERVABILITY_${f}_ENABLED`, 'false']),
);

async function startBackends(o) {
  // PostgreSQL beside the load generator on core 1: the process under test keeps core 0 to itself.
  const postgres = await startPostgres({ logStatements: false, cpus: pinning ? '1' : undefined });
  const redis = await startRedis();
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  const db = {};
  for (const variant of ['on', 'off']) {
    await admin.query(`CREATE DATABASE bench_${variant}`);
    db[variant] = postgres.url.replace(/\/postgres$/, `/bench_${variant}`);
    execFileSync(process.execPath, [join(root, 'dist/apps/api/migrate.js')], { env: { ...process.env, DATABASE_URL: db[variant] }, stdio: 'pipe' });
  }
  await admin.end();
  const redisUrl = { on: `${redis.url}/1`, off: `${redis.url}/2` };
  const apis = {};
  for (const variant of ['on', 'off']) {
    const port = await freePort();
    apis[variant] = await startServer(`api (observability ${variant})`, process.execPath, [join(root, 'dist/apps/api/main.js')], {
      env: { DATABASE_URL: db[variant], REDIS_URL: redisUrl[variant], PORT: String(port), LOG_LEVEL: 'info', ...(variant === 'off' ? OFF_FLAGS : {}) },
      readyUrl: `http://127.0.0.1:${port}/health`,
    });
  }
  const repositories = {};
  for (const variant of ['on', 'off']) {
    repositories[variant] = [];
    for (let i = 0; i < 50; i++) {
      const res = await fetch(`http://127.0.0.1:${apis[variant].port}/api/v1/repositories`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: `bench-repo-${i}`, url: `https://git.example.com/bench/repo-${i}.git` }),
      });
      if (res.status !== 201) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
      repositories[variant].push((await res.json()).id);
    }
  }
  return {
    db,
    redisUrl,
    apis,
    repositories,
    async stopApis() {
      for (const api of Object.values(apis)) await api.stop();
    },
    async stop() {
      await this.stopApis();
      redis.stop();
      postgres.stop();
    },
  };
}

// 2. The real api
async function apiScenario(o, backends, results) {
  const url = (v) => `http://127.0.0.1:${backends.apis[v].port}/api/v1/repositories?limit=20`;
  for (const v of ['on', 'off']) wrk(url(v), o.warmup, o.connections);
  // Besides throughput, the api's own CPU time per request: on two cores shared with PostgreSQL and wrk,
  // throughput swings with whatever else runs, CPU spent per request much less.
  const samples = await alternate(['off', 'on'], o.rounds, async (v) => {
    const pid = backends.apis[v].child.pid;
    const before = cpuSeconds(pid);
    const sample = wrk(url(v), o.duration, o.connections);
    const after = cpuSeconds(pid);
    return { ...sample, cpuMicrosPerRequest: before === undefined || after === undefined ? undefined : ((after - before) * 1e6) / sample.requests };
  });
  const rows = ['off', 'on'].map((v) => {
    const cpu = samples[v].map((s) => s.cpuMicrosPerRequest).filter((x) => x !== undefined);
    return { ...summarize(`observability ${v}`, samples[v], samples.off), cpuMicrosPerRequest: cpu.length ? median(cpu) : undefined };
  });
  results.api = { rows };
  header(`The real api (GET /api/v1/repositories?limit=20 on PostgreSQL, ${o.connections} connections, ${o.rounds} × ${o.duration} s)`);
  process.stdout.write(formatTable(rows, 'added µs/req vs off'));
  const [off, on] = rows;
  if (off.cpuMicrosPerRequest && on.cpuMicrosPerRequest) {
    process.stdout.write(
      `\napi CPU time per request (median): off ${off.cpuMicrosPerRequest.toFixed(0)} µs, on ${on.cpuMicrosPerRequest.toFixed(0)} µs: ` +
        `a CPU-bound api keeps ${((off.cpuMicrosPerRequest / on.cpuMicrosPerRequest) * 100).toFixed(1)} % of its throughput\n`,
    );
  }
}

// 3. Query comments
async function commentsScenario(o, backends, results) {
  const procs = {};
  for (const mode of ['plain', 'off', 'on']) {
    const [command, ...rest] = [...pin(0), process.execPath, join(root, 'dist/tools/bench/query-comments.js')];
    const child = spawn(command, rest, {
      env: { ...process.env, BENCH_COMMENTS: mode, DATABASE_URL: backends.db.on },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    children.add(child);
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async () => {
      const { value, done } = await lines.next();
      if (done) throw new Error(`query-comments (${mode}) exited early`);
      return JSON.parse(value);
    };
    const ready = await next();
    procs[mode] = { child, next, statement: ready.statement };
  }
  const batch = async (mode, n) => {
    procs[mode].child.stdin.write(`run ${n}\n`);
    return Number((await procs[mode].next()).ns);
  };
  for (const mode of Object.keys(procs)) await batch(mode, Math.min(o.queries, 2_000));
  // Each round runs every client's queries in chunks of 1,000, interleaved (A B C A B C ...), so a slow patch of
  // the machine lands on all three alike; a round's figure is each client's mean over its chunks.
  const modes = ['plain', 'off', 'on'];
  const chunk = Math.min(1_000, o.queries);
  const samples = Object.fromEntries(modes.map((m) => [m, []]));
  const cpuSamples = Object.fromEntries(modes.map((m) => [m, []]));
  for (let r = 0; r < o.rounds; r++) {
    const ns = Object.fromEntries(modes.map((m) => [m, 0]));
    const cpu = Object.fromEntries(modes.map((m) => [m, 0]));
    for (let done = 0; done < o.queries; done += chunk) {
      for (let i = 0; i < modes.length; i++) {
        const mode = modes[(i + r + done / chunk) % modes.length];
        const before = cpuSeconds(procs[mode].child.pid) ?? 0;
        ns[mode] += await batch(mode, chunk);
        cpu[mode] += (cpuSeconds(procs[mode].child.pid) ?? 0) - before;
      }
    }
    const total = Math.ceil(o.queries / chunk) * chunk;
    for (const mode of modes) {
      samples[mode].push(ns[mode] / total / 1e3);
      cpuSamples[mode].push((cpu[mode] * 1e6) / total);
    }
  }
  for (const { child } of Object.values(procs)) child.stdin.end();
  const med = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
  const rows = ['plain', 'off', 'on'].map((mode) => ({
    variant: { plain: 'pg Client (no commenting client)', off: 'sqlCommentingClient, comments off', on: 'sqlCommentingClient, comments on' }[mode],
    median: med[mode],
    min: Math.min(...samples[mode]),
    max: Math.max(...samples[mode]),
    addedPercent: ((med[mode] - med.plain) / med.plain) * 100,
    cpuMicrosPerQuery: median(cpuSamples[mode]),
  }));
  results.comments = { rows, statementOn: procs.on.statement, statementOff: procs.off.statement, queries: o.queries };
  header(`Query comments (${o.queries} × SELECT $1::int through TypeORM per client and round, one connection, ${o.rounds} rounds, chunks of ${chunk} interleaved)`);
  process.stdout.write('| client | µs/query median | min–max | added vs pg Client | client CPU µs/query |\n|---|---:|---:|---:|---:|\n');
  for (const r of rows) {
    process.stdout.write(
      `| ${r.variant} | ${r.median.toFixed(1)} | ${r.min.toFixed(1)}–${r.max.toFixed(1)} | ${r.addedPercent >= 0 ? '+' : ''}${r.addedPercent.toFixed(2)} % | ${r.cpuMicrosPerQuery.toFixed(1)} |\n`,
    );
  }
  process.stdout.write(`\nStatement as PostgreSQL saw it, comments on: ${procs.on.statement}\n`);
}

// 4. Queue throughput: api -> Bull -> worker
async function queueScenario(o, backends, results) {
  // Logging, correlation and SQL comments stay on in both: only what this scenario is about is switched off.
  const QUEUE_OFF = { OBSERVABILITY_QUEUE_PROPAGATION_ENABLED: 'false', OBSERVABILITY_METRICS_ENABLED: 'false' };
  const apis = {};
  const workers = {};
  for (const variant of ['on', 'off']) {
    const env = { DATABASE_URL: backends.db[variant], REDIS_URL: backends.redisUrl[variant], LOG_LEVEL: 'info', ...(variant === 'off' ? QUEUE_OFF : {}) };
    const apiPort = await freePort();
    apis[variant] = await startServer(`queue api (${variant})`, process.execPath, [join(root, 'dist/apps/api/main.js')], {
      env: { ...env, PORT: String(apiPort) },
      readyUrl: `http://127.0.0.1:${apiPort}/health`,
    });
    const port = await freePort();
    workers[variant] = await startServer(`worker (propagation and metrics ${variant})`, process.execPath, [join(root, 'dist/apps/worker/main.js')], {
      env: { ...env, PORT: String(port), SYNC_WORK_MS: '0' },
      readyUrl: `http://127.0.0.1:${port}/health`,
    });
  }
  const clients = {};
  for (const v of ['on', 'off']) {
    clients[v] = new pg.Client({ connectionString: backends.db[v] });
    await clients[v].connect();
  }
  const runs = async (v) => Number((await clients[v].query('SELECT count(*)::int AS n FROM sync_runs')).rows[0].n);
  const round = async (v, jobs) => {
    const before = await runs(v);
    const cpuBefore = cpuSeconds(workers[v].child.pid);
    const started = process.hrtime.bigint();
    const ids = backends.repositories[v];
    let next = 0;
    const post = async () => {
      while (next < jobs) {
        const id = ids[next++ % ids.length];
        const res = await fetch(`http://127.0.0.1:${apis[v].port}/api/v1/repositories/${id}/sync`, { method: 'POST' });
        if (res.status !== 202) throw new Error(`enqueue failed: ${res.status} ${await res.text()}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, post));
    const deadline = Date.now() + 120_000;
    while ((await runs(v)) < before + jobs) {
      if (Date.now() > deadline) throw new Error(`queue ${v}: jobs not done within 120 s`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const jobsPerSecond = jobs / (Number(process.hrtime.bigint() - started) / 1e9);
    const cpuAfter = cpuSeconds(workers[v].child.pid);
    workerCpu[v].push(cpuBefore === undefined || cpuAfter === undefined ? undefined : ((cpuAfter - cpuBefore) * 1e6) / jobs);
    return jobsPerSecond;
  };
  const workerCpu = { on: [], off: [] };
  for (const v of ['on', 'off']) await round(v, Math.min(o.jobs, 200));
  workerCpu.on.length = 0;
  workerCpu.off.length = 0;
  const samples = await alternate(['off', 'on'], o.rounds, (v) => round(v, o.jobs));
  for (const v of ['on', 'off']) {
    await clients[v].end();
    await workers[v].stop();
    await apis[v].stop();
  }
  const med = { on: median(samples.on), off: median(samples.off) };
  const cpuOf = (v) => {
    const values = workerCpu[v].filter((x) => x !== undefined);
    return values.length ? median(values) : undefined;
  };
  const rows = ['off', 'on'].map((v) => ({
    variant: `propagation and metrics ${v}`,
    median: med[v],
    min: Math.min(...samples[v]),
    max: Math.max(...samples[v]),
    changePercent: ((med[v] - med.off) / med.off) * 100,
    workerCpuMicrosPerJob: cpuOf(v),
  }));
  results.queue = { rows, jobs: o.jobs };
  header(`Queue throughput (${o.jobs} sync jobs per round: POST /sync -> Bull -> worker, concurrency 2, no simulated work; logging and SQL comments on in both)`);
  process.stdout.write('| variant | jobs/s median | min–max | change vs off | worker CPU µs/job |\n|---|---:|---:|---:|---:|\n');
  for (const r of rows) {
    const cpu = r.workerCpuMicrosPerJob === undefined ? 'n/a' : r.workerCpuMicrosPerJob.toFixed(0);
    process.stdout.write(`| ${r.variant} | ${r.median.toFixed(0)} | ${r.min.toFixed(0)}–${r.max.toFixed(0)} | ${r.changePercent >= 0 ? '+' : ''}${r.changePercent.toFixed(1)} % | ${cpu} |\n`);
  }
}

// 5. Scrape cost
async function scrapeScenario(o, results) {
  const rows = [];
  for (const target of [1_000, 10_000]) {
    const server = await startServer(`bench app with ${target} series`, process.execPath, [join(root, 'dist/tools/bench/bench-app.js')], {
      env: { BENCH_VARIANT: 'all', BENCH_SERIES: String(target) },
    });
    for (const format of ['text', 'openmetrics']) {
      const accept = format === 'openmetrics' ? 'application/openmetrics-text; version=1.0.0' : 'text/plain';
      const times = [];
      let bytes = 0;
      let series = 0;
      for (let i = 0; i < o.scrapes + 2; i++) {
        const started = process.hrtime.bigint();
        const res = await fetch(`http://127.0.0.1:${server.port}/metrics`, { headers: { accept } });
        const body = await res.text();
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
        if (i >= 2) times.push(ms);
        bytes = body.length;
        series = body.split('\n').filter((l) => l && !l.startsWith('#')).length;
      }
      times.sort((a, b) => a - b);
      rows.push({ target, format, series, bytes, median: median(times), p90: times[Math.floor(times.length * 0.9)] ?? times.at(-1), max: times.at(-1) });
    }
    await server.stop();
  }
  results.scrape = { rows };
  header(`Scrape cost (GET /metrics, bench app with everything on, ${o.scrapes} scrapes each after 2 warm-up)`);
  process.stdout.write('| series | format | bytes | median ms | p90 ms | max ms |\n|---:|---|---:|---:|---:|---:|\n');
  for (const r of rows) {
    process.stdout.write(`| ${r.series} | ${r.format} | ${r.bytes} | ${r.median.toFixed(1)} | ${r.p90.toFixed(1)} | ${r.max.toFixed(1)} |\n`);
  }
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
  const needBackends = o.only.some((s) => ['api', 'comments', 'queue'].includes(s));
  const backends = needBackends ? await startBackends(o) : undefined;
  try {
    if (o.only.includes('api')) await apiScenario(o, backends, results);
    if (o.only.includes('comments')) await commentsScenario(o, backends, results);
    if (o.only.includes('queue')) {
      await backends.stopApis();
      await queueScenario(o, backends, results);
    }
  } finally {
    await backends?.stop();
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
