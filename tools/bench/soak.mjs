#!/usr/bin/env node
// Resource soak: the built api (everything on; OBSERVABILITY_*_ENABLED=false from the environment switches parts
// off) on a throwaway PostgreSQL and Redis takes a warm-up, then 50,000 requests with fresh ids (half sent by the client, half made by the api), 32 at a time. Before and after, the
// probe (tools/bench/probe.mjs, loaded with --import) reports resident memory, heap, live CLS contexts (the
// AsyncLocalStorage stores still reachable), active timers and handles, and event listeners, after a full GC.
//
// With --modes=on,off the same soak runs a second api with every feature switched off (OBSERVABILITY_*_ENABLED=false),
// one after the other on the same PostgreSQL and Redis, and prints the two side by side. With --outage, each api then
// goes through a Redis outage and a PostgreSQL outage (5 s each, under load and sync requests) and 25,000 more
// requests; --node-env=development runs the apis in development mode.
//
//   node tools/bench/soak.mjs [--requests=50000] [--phases=2] [--warmup=25000] [--modes=on,off] [--outage] [--node-env=production]
//                             [--node-flags="--single-threaded"] [--processes=1] [--json=tmp/bench/soak.json] [--no-build]
// --processes: apis per mode (the modes alternating), compared by their medians: V8 keeps the pages of its heap's
// peak resident, and that peak moves by tens of MB between processes of one configuration (docs/performance.md).
// --node-flags: flags for the apis' node (space-separated), e.g. V8's --single-threaded to see what its background
// threads keep in malloc's arenas (docs/performance-log.md, "Where memory goes").
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort, startPostgres, startRedis } from '../testing/services.js';
import { OFF_FLAGS } from './backends.mjs';
import { numberOption } from './runner.mjs';
import { median } from './stats.mjs';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const args = Object.fromEntries(process.argv.slice(2).map((a) => { const [k, ...v] = a.replace(/^--/, '').split('='); return [k, v.join('=')]; }));
const REQUESTS = numberOption('requests', args.requests, 50_000, { positive: true, whole: true });
// RSS climbs while V8 and the allocator reach their working set (about 25,000 requests here), then stays flat.
const WARMUP = numberOption('warmup', args.warmup, 25_000, { whole: true });
const PHASES = numberOption('phases', args.phases, 2, { positive: true, whole: true });
const CONCURRENCY = 32;
const json = args.json ?? join(root, 'tmp/bench/soak.json');
const MODES = String(args.modes ?? 'on').split(',');
for (const mode of MODES) if (mode !== 'on' && mode !== 'off') throw new Error(`--modes: on and/or off, not ${mode}`);
const MB = 2 ** 20;
const OUTAGE = 'outage' in args;
const NODE_ENV = String(args['node-env'] ?? 'production');
const AFTER_OUTAGE = 25_000;
const PROCESSES = numberOption('processes', args.processes, 1, { positive: true, whole: true });
const NODE_FLAGS = args['node-flags'] ? String(args['node-flags']).split(' ').filter(Boolean) : [];

async function load(url, count) {
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const headers = i % 2 === 0 ? { 'X-Request-ID': `soak-${randomUUID()}` } : {};
      const res = await fetch(url, { headers });
      await res.arrayBuffer();
      if (res.status !== 200) failed++;
    }
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { failed, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/** Load and sync requests for `seconds`, whatever fails: an outage is going on. */
async function underOutage(base, url, repositoryId, seconds) {
  const end = Date.now() + seconds * 1000;
  const swallow = (p) => p.then((res) => res.arrayBuffer()).catch(() => undefined);
  while (Date.now() < end) {
    await Promise.all([...Array.from({ length: 8 }, () => swallow(fetch(url))), swallow(fetch(`${base}/api/v1/repositories/${repositoryId}/sync`, { method: 'POST' }))]);
  }
}

/** Redis, then PostgreSQL, gone for 5 s each under load and back (same port, same data); the api reconnects. */
async function outages(services, base, url, repositoryId) {
  services.redis.stop();
  await underOutage(base, url, repositoryId, 5);
  services.redis = await startRedis({ port: services.redis.port });
  await underOutage(base, url, repositoryId, 3);
  services.postgres.halt();
  await underOutage(base, url, repositoryId, 5);
  services.postgres.restart();
  await underOutage(base, url, repositoryId, 3);
}

/** One api through the soak: warm-up, then the requests in phases, a probe after each. */
async function soak(mode, services) {
  const { postgres, redis } = services;
  const port = await freePort();
  const api = spawn(process.execPath, [...NODE_FLAGS, '--expose-gc', '--import', join(root, 'tools/bench/probe.mjs'), join(root, 'dist/apps/api/main.js')], {
    env: { ...process.env, NODE_ENV, DATABASE_URL: postgres.url, REDIS_URL: redis.url, PORT: String(port), LOG_LEVEL: 'info', ...(mode === 'off' ? OFF_FLAGS : {}) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  try {
    const probes = [];
    let waiting;
    let stderr = '';
    createInterface({ input: api.stderr }).on('line', (line) => {
      stderr += `${line}\n`;
      if (line.startsWith('{"probe"')) waiting?.(JSON.parse(line).probe);
    });
    const probe = () => {
      const result = new Promise((resolve) => (waiting = resolve));
      api.kill('SIGUSR2');
      return result;
    };
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${base}/health`)).ok) break;
      } catch {
        /* not yet */
      }
      if (api.exitCode !== null || i > 150) throw new Error(`api did not start:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    let repositoryId;
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${base}/api/v1/repositories`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: `soak-${mode}-${i}`, url: `https://example.com/soak/${mode}/${i}` }),
      });
      repositoryId ??= (await res.json()).id;
    }
    const url = `${base}/api/v1/repositories?limit=5`;
    const warm = await load(url, WARMUP);
    probes.push({ after: `warm-up (${WARMUP} requests)`, ...(await probe()) });
    const run = { failed: 0, seconds: 0 };
    for (let phase = 1; phase <= PHASES; phase++) {
      const part = await load(url, Math.round(REQUESTS / PHASES));
      run.failed += part.failed;
      run.seconds += part.seconds;
      probes.push({ after: `${Math.round((REQUESTS * phase) / PHASES)} more requests`, ...(await probe()) });
    }
    const [a, b] = [probes[0], probes.at(-1)];
    const rssGrowthLastPhaseMB = (b.rssBytes - probes.at(-2).rssBytes) / MB;
    let outage;
    if (OUTAGE) {
      await outages(services, base, url, repositoryId);
      const after = await load(url, AFTER_OUTAGE);
      probes.push({ after: `Redis and PostgreSQL outages, then ${AFTER_OUTAGE} requests`, ...(await probe()) });
      outage = { failed: after.failed, rssGrowthMB: (probes.at(-1).rssBytes - b.rssBytes) / MB };
    }
    return {
      mode,
      outage,
      // What the process holds outside V8's heap pages, which keep the heap's peak (see probe.mjs).
      plateauOutsideV8PagesMB: b.resident ? (b.rssBytes - b.resident.v8PagesBytes) / MB : undefined,
      requests: REQUESTS,
      failed: warm.failed + run.failed,
      requestsPerSecond: Math.round(REQUESTS / run.seconds),
      rssGrowthMB: (b.rssBytes - a.rssBytes) / MB,
      rssGrowthLastPhaseMB,
      heapGrowthMB: (b.heapUsedBytes - a.heapUsedBytes) / MB,
      plateauRssMB: b.rssBytes / MB,
      probes,
    };
  } finally {
    api.kill('SIGKILL');
  }
}

function print(result) {
  const resourcesOf = (p) => Object.entries(p.activeResources).map(([k, v]) => `${k} ${v}`).join(', ');
  const what = `${result.mode === 'on' ? 'everything on' : 'every feature off'}, NODE_ENV=${NODE_ENV}`;
  console.log(`# Soak: ${REQUESTS} requests with fresh ids through the api (${what}), ${CONCURRENCY} at a time\n`);
  console.log('| after | RSS MB | heap used MB | V8 heap committed MB | V8 pages resident MB | malloc main heap MB | other anonymous MB | files MB | CLS contexts created | CLS contexts alive | active resources | server listeners | process listeners |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|');
  const mb = (bytes) => (bytes === undefined ? '?' : (bytes / MB).toFixed(1));
  for (const p of result.probes) {
    console.log(
      `| ${p.after} | ${mb(p.rssBytes)} | ${mb(p.heapUsedBytes)} | ${mb(p.heapTotalBytes)} | ${mb(p.resident?.v8PagesBytes)} | ${mb(p.resident?.brkHeapBytes)} | ${mb(p.resident?.anonymousBytes)} | ${mb(p.resident?.filesBytes)} | ${p.storesCreated} | ${p.storesLive} | ${resourcesOf(p)} | ${p.serverListeners} | ${p.processListeners} |`,
    );
  }
  console.log(`\nRSS growth after warm-up: ${result.rssGrowthMB.toFixed(1)} MB; heap growth: ${result.heapGrowthMB.toFixed(1)} MB; ${result.requestsPerSecond} requests/s; ${result.failed} failed`);
  if (result.outage) console.log(`After the outages and ${AFTER_OUTAGE} more requests: RSS growth ${result.outage.rssGrowthMB.toFixed(1)} MB; ${result.outage.failed} failed after recovery`);
  console.log('');
}

async function main() {
  if (!('no-build' in args)) execFileSync('npx', ['nx', 'run', 'api:build', '--outputStyle=static'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const [postgres, redis] = await Promise.all([startPostgres({ logStatements: false }), startRedis()]);
  // Redis comes back as a new process after an outage: the current one is always services.redis.
  const services = { postgres, redis };
  try {
    execFileSync(process.execPath, [join(root, 'dist/apps/api/migrate.js')], { env: { ...process.env, DATABASE_URL: postgres.url }, stdio: 'pipe' });
    const results = [];
    // With --processes=N, each mode's apis run one after the other, the modes alternating: processes of one
    // configuration end tens of MB apart (V8's heap pages), so modes are compared by their medians.
    for (let i = 0; i < PROCESSES; i++) {
      for (const mode of MODES) {
        results.push(await soak(mode, services));
        print(results.at(-1));
      }
    }
    const of = (mode) => results.filter((r) => r.mode === mode);
    const medianOf = (list, key) => median(list.map((r) => r[key]));
    if (of('on').length && of('off').length) {
      const line = (key, what) => {
        const [on, off] = [medianOf(of('on'), key), medianOf(of('off'), key)];
        const each = (mode) => of(mode).map((r) => r[key].toFixed(1)).join(' / ');
        return `${what}: everything on ${on.toFixed(1)} MB (${each('on')}), every feature off ${off.toFixed(1)} MB (${each('off')}): ${(on - off).toFixed(1)} MB more`;
      };
      console.log(`At the end, ${PROCESSES > 1 ? `medians of ${PROCESSES} processes per mode` : 'one process per mode'}:`);
      console.log(`- ${line('plateauRssMB', 'resident memory')}`);
      if (results.every((r) => r.plateauOutsideV8PagesMB !== undefined)) console.log(`- ${line('plateauOutsideV8PagesMB', "resident memory outside V8's heap pages")}`);
      console.log('');
    }
    // The first mode's figures at the top level, as before; every mode's under `modes`.
    const output = {
      ...results[0],
      modes: Object.fromEntries(MODES.map((mode) => [mode, of(mode)[0]])),
      processes: Object.fromEntries(MODES.map((mode) => [mode, of(mode).map(({ probes, ...figures }) => figures)])),
    };
    mkdirSync(dirname(json), { recursive: true });
    writeFileSync(json, `${JSON.stringify(output, null, 2)}\n`);
    console.log(`Results as JSON: ${json}`);
  } finally {
    services.redis.stop();
    postgres.stop();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
