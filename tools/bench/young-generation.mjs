#!/usr/bin/env node
// What each variant of the bench app leaves to V8's young-generation collector per request: bytes allocated, bytes
// promoted to the old generation, scavenges and their pause, from V8's own --trace-gc-nvp lines over a window of
// requests after a warm-up. A count, not a time: it does not swing with the machine. Under OpenTelemetry a listener
// of the module's left on Express's responses had every request promoted (docs/performance-log.md, "Thirty-eighth
// look"): `otel` against `otel-all` shows whether the module promotes more than OpenTelemetry alone.
// --api: the real api instead (GET /api/v1/repositories?limit=20 on PostgreSQL, Express), one process per variant,
// `api` and `api-otel` (under OpenTelemetry's http, express and pg instrumentations), the module's hooks switched on
// and off in alternated windows inside it, as api-hooks.mjs switches them.
//
//   node tools/bench/young-generation.mjs [--adapters=express,fastify] [--variants=bare,all,otel,otel-all]
//                                         [--warmup-requests=10000] [--requests=20000] [--connections=16]
//                                         [--semi-space=64] [--app=FILE] [--json=FILE]
//   node tools/bench/young-generation.mjs --api [--variants=api,api-otel] [--rounds=2] [--app=FILE] [...]
//
// Needs the built bench app (`npx nx run bench:build`); --app: another build's copy of it. --api: the built api
// (`npx nx run api:build`); --app there: another build's copy of dist/apps/api/main.js.
import { closeSync, existsSync, mkdirSync, openSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { startBackends } from './backends.mjs';
import { getExactly } from './load.mjs';
import { adaptersOption, benchAppOption, heapFlags, listOption, numberOption, otelPreload, root, semiSpaceOption, startServer } from './runner.mjs';
import { API_PARTS, flipSwitches, writeApiSwitchable } from './switches.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((a) => { const [k, ...v] = a.replace(/^--/, '').split('='); return [k, v.join('=')]; }));
const API = 'api' in args;
const ADAPTERS = API ? ['express'] : adaptersOption(args.adapters);
const VARIANTS = listOption(args.variants, API ? 'api,api-otel' : 'bare,all,otel,otel-all');
if (API) for (const v of VARIANTS) if (v !== 'api' && v !== 'api-otel') throw new Error(`--variants with --api: api or api-otel, not ${v}`);
const ROUNDS = numberOption('rounds', args.rounds, 2, { positive: true, whole: true });
const WARMUP = numberOption('warmup-requests', args['warmup-requests'], 10_000, { positive: true, whole: true });
const REQUESTS = numberOption('requests', args.requests, 20_000, { positive: true, whole: true });
const CONNECTIONS = numberOption('connections', args.connections, 16, { positive: true, whole: true });
const SEMI_SPACE = semiSpaceOption(args['semi-space']);
const app = API ? apiBundleOption(args.app) : benchAppOption(args.app);

/** With --api, `--app=FILE`: another build's api (a copy of its dist/apps/api/main.js, from the repository's root). */
function apiBundleOption(given) {
  const bundle = resolve(root, given ?? 'dist/apps/api/main.js');
  if (!existsSync(bundle)) throw new Error(`--app=${given ?? ''}: no api bundle at ${bundle} (npx nx run api:build)`);
  return bundle;
}
const PATH = '/items/42';
const API_PATH = '/api/v1/repositories?limit=20';

/** The young generation's collections in `text` (--trace-gc-nvp lines), summed into `sum`. */
function scavengesIn(text, sum = { scavenges: 0, marks: 0, allocated: 0, promoted: 0, pauseMs: 0 }) {
  for (const line of text.split('\n')) {
    const kind = / gc=(\w+) /.exec(line)?.[1];
    if (!kind) continue;
    if (kind !== 's') {
      sum.marks++;
      continue;
    }
    const field = (name) => Number(new RegExp(` ${name}=([0-9.]+)`).exec(line)?.[1] ?? 0);
    sum.scavenges++;
    sum.allocated += field('allocated');
    sum.promoted += field('promoted');
    sum.pauseMs += field('pause');
  }
  return sum;
}

/** What `log` gained from `from` on (the api's access lines go there too: only the window's part is read). */
function readFrom(log, from) {
  const fd = openSync(log, 'r');
  try {
    const buffer = Buffer.alloc(statSync(log).size - from);
    readSync(fd, buffer, 0, buffer.length, from);
    return buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Exactly REQUESTS requests to `port`'s `path`; the collections V8 logged to `log` meanwhile, summed into `sum`. */
async function window(log, port, path, sum) {
  // V8 writes each collection's line as it ends it: what the file holds past this offset is the window's.
  const from = statSync(log).size;
  await getExactly(port, path, REQUESTS, CONNECTIONS);
  return scavengesIn(readFrom(log, from), sum);
}

const row = (variant, sum, requests) => ({
  variant,
  allocatedBytes: sum.allocated / requests,
  promotedBytes: sum.promoted / requests,
  scavengesPer1000: (sum.scavenges * 1000) / requests,
  pauseMicros: (sum.pauseMs * 1000) / requests,
  fullCollections: sum.marks,
});

/** A file for a process's standard output (V8's --trace-gc-nvp lines), removed by `done`. */
function gcLog() {
  const log = join(root, `tmp/bench/young-generation-${process.pid}.log`);
  mkdirSync(dirname(log), { recursive: true });
  const fd = openSync(log, 'w');
  return { log, fd, done: () => (closeSync(fd), rmSync(log, { force: true })) };
}

/** One variant's server, warmed up, then its collections over exactly REQUESTS requests. */
async function measure(adapter, variant) {
  const { log, fd, done } = gcLog();
  const server = await startServer(`bench app ${adapter}/${variant}`, process.execPath, [...heapFlags(SEMI_SPACE), '--trace-gc-nvp', ...otelPreload(variant), app], {
    env: { BENCH_VARIANT: variant, BENCH_ADAPTER: adapter },
    stdout: fd,
  });
  try {
    await getExactly(server.port, PATH, WARMUP, CONNECTIONS);
    return [row(variant, await window(log, server.port, PATH), REQUESTS)];
  } finally {
    await server.stop();
    done();
  }
}

/**
 * The api (`api-otel`: under otel.mjs with the pg instrumentation) seeded, then one process with the module's hooks
 * switched: warmed up on and off, then ROUNDS windows each way, alternated (on first in even rounds, off first in odd
 * ones). Rows: the module on, and off.
 */
async function measureApi(backends, variant, index) {
  const otel = variant === 'api-otel';
  const redisUrl = backends.redisUrl.db(5 + index);
  const seeded = await backends.startSeededApi(`bench_young_${index}`, `${variant} (seeding)`, { REDIS_URL: redisUrl });
  await seeded.stop();
  const entry = writeApiSwitchable(`main-young-${process.pid}.js`, app);
  const { log, fd, done } = gcLog();
  const port = seeded.port;
  const env = { PORT: String(port), LOG_LEVEL: 'info', REDIS_URL: redisUrl, DATABASE_URL: seeded.databaseUrl, HOOKS_PARTS: API_PARTS.join(','), ...(otel ? { OTEL_INSTRUMENT_PG: 'on' } : {}) };
  const nodeArgs = [...heapFlags(SEMI_SPACE), '--trace-gc-nvp', ...otelPreload(otel ? 'otel' : 'bare'), entry];
  const api = await startServer(`api (${variant})`, process.execPath, nodeArgs, { env, readyUrl: `http://127.0.0.1:${port}/health`, stdout: fd, timeoutMs: 180_000 }).catch((error) => {
    done();
    rmSync(entry, { force: true });
    throw error;
  });
  let state = 'on';
  const to = async (next) => {
    if (state === next) return;
    state = next;
    await flipSwitches(api);
  };
  try {
    await getExactly(port, API_PATH, WARMUP, CONNECTIONS);
    await to('off');
    await getExactly(port, API_PATH, Math.ceil(WARMUP / 4), CONNECTIONS);
    // Which state comes first alternates by round: the api still promotes more in the first windows after its
    // warm-up (after 3,750 requests with 16 MB semi-spaces, under OpenTelemetry: 22 KB a request in the first window
    // of 3,000, 12 in the second, 9 to 10 after), whichever state it is.
    const sums = {};
    for (let r = 0; r < ROUNDS; r++) {
      for (const next of r % 2 === 0 ? ['on', 'off'] : ['off', 'on']) {
        await to(next);
        sums[next] = await window(log, port, API_PATH, sums[next]);
      }
    }
    const { on, off } = sums;
    return [row(`${variant}, module on`, on, REQUESTS * ROUNDS), row(`${variant}, module off`, off, REQUESTS * ROUNDS)];
  } finally {
    await api.stop();
    done();
    rmSync(entry, { force: true });
  }
}

const fmt = (n, digits = 0) => n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });

async function main() {
  const results = {};
  const backends = API ? await startBackends({ semiSpace: SEMI_SPACE, apis: false }) : undefined;
  try {
    for (const adapter of ADAPTERS) {
      const rows = [];
      for (const [index, variant] of VARIANTS.entries()) rows.push(...(API ? await measureApi(backends, variant, index) : await measure(adapter, variant)));
      results[adapter] = rows;
    }
  } finally {
    await backends?.stop();
  }
  for (const [adapter, rows] of Object.entries(results)) {
    const requests = API ? `${ROUNDS} windows of ${REQUESTS} requests each way after ${WARMUP}` : `${REQUESTS} requests after ${WARMUP}`;
    console.log(`\n## ${API ? `the api (${API_PATH})` : adapter}: the young generation per request (${requests}, ${SEMI_SPACE} MB semi-spaces)\n`);
    console.log('| variant | allocated, bytes | promoted, bytes | scavenges per 1,000 | scavenge pause, µs | full collections in the window |\n|---|---:|---:|---:|---:|---:|');
    for (const r of rows) console.log(`| ${r.variant} | ${fmt(r.allocatedBytes)} | ${fmt(r.promotedBytes)} | ${fmt(r.scavengesPer1000, 2)} | ${fmt(r.pauseMicros, 2)} | ${r.fullCollections} |`);
  }
  if (args.json) {
    const file = resolve(root, args.json);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ app, warmup: WARMUP, requests: REQUESTS, rounds: API ? ROUNDS : 1, semiSpaceMB: SEMI_SPACE, adapters: results }, null, 2));
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`young-generation failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
