#!/usr/bin/env node
// What each variant of the bench app leaves to V8's young-generation collector per request: bytes allocated, bytes
// promoted to the old generation, scavenges and their pause, from V8's own --trace-gc-nvp lines over a window of
// requests after a warm-up. A count, not a time: it does not swing with the machine. Under OpenTelemetry a listener
// of the module's left on Express's responses had every request promoted (docs/performance-log.md, "Thirty-eighth
// look"): `otel` against `otel-all` shows whether the module promotes more than OpenTelemetry alone.
//
//   node tools/bench/young-generation.mjs [--adapters=express,fastify] [--variants=bare,all,otel,otel-all]
//                                         [--warmup-requests=10000] [--requests=20000] [--connections=16]
//                                         [--semi-space=64] [--app=FILE] [--json=FILE]
//
// Needs the built bench app (`npx nx run bench:build`); --app: another build's copy of it.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { getExactly } from './load.mjs';
import { adaptersOption, benchAppOption, heapFlags, listOption, numberOption, otelPreload, root, semiSpaceOption, startServer } from './runner.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((a) => { const [k, ...v] = a.replace(/^--/, '').split('='); return [k, v.join('=')]; }));
const ADAPTERS = adaptersOption(args.adapters);
const VARIANTS = listOption(args.variants, 'bare,all,otel,otel-all');
const WARMUP = numberOption('warmup-requests', args['warmup-requests'], 10_000, { positive: true, whole: true });
const REQUESTS = numberOption('requests', args.requests, 20_000, { positive: true, whole: true });
const CONNECTIONS = numberOption('connections', args.connections, 16, { positive: true, whole: true });
const SEMI_SPACE = semiSpaceOption(args['semi-space']);
const app = benchAppOption(args.app);
const PATH = '/items/42';

/** The young generation's collections in `text` (--trace-gc-nvp lines), summed. */
function scavengesIn(text) {
  const sum = { scavenges: 0, marks: 0, allocated: 0, promoted: 0, pauseMs: 0 };
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

/** One variant's server, warmed up, then its collections over exactly REQUESTS requests. */
async function measure(adapter, variant) {
  const log = join(root, `tmp/bench/young-generation-${process.pid}.log`);
  mkdirSync(dirname(log), { recursive: true });
  const fd = openSync(log, 'w');
  const server = await startServer(`bench app ${adapter}/${variant}`, process.execPath, [...heapFlags(SEMI_SPACE), '--trace-gc-nvp', ...otelPreload(variant), app], {
    env: { BENCH_VARIANT: variant, BENCH_ADAPTER: adapter },
    stdout: fd,
  });
  try {
    await getExactly(server.port, PATH, WARMUP, CONNECTIONS);
    // V8 writes each collection's line as it ends it: what the file holds past this offset is the window's.
    const from = statSync(log).size;
    await getExactly(server.port, PATH, REQUESTS, CONNECTIONS);
    const sum = scavengesIn(readFileSync(log, 'utf8').slice(from));
    return {
      variant,
      allocatedBytes: sum.allocated / REQUESTS,
      promotedBytes: sum.promoted / REQUESTS,
      scavengesPer1000: (sum.scavenges * 1000) / REQUESTS,
      pauseMicros: (sum.pauseMs * 1000) / REQUESTS,
      fullCollections: sum.marks,
    };
  } finally {
    await server.stop();
    closeSync(fd);
    rmSync(log, { force: true });
  }
}

const fmt = (n, digits = 0) => n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });

async function main() {
  const results = {};
  for (const adapter of ADAPTERS) {
    const rows = [];
    for (const variant of VARIANTS) rows.push(await measure(adapter, variant));
    console.log(`\n## ${adapter}: the young generation per request (${REQUESTS} requests after ${WARMUP}, ${SEMI_SPACE} MB semi-spaces)\n`);
    console.log('| variant | allocated, bytes | promoted, bytes | scavenges per 1,000 | scavenge pause, µs | full collections in the window |\n|---|---:|---:|---:|---:|---:|');
    for (const r of rows) console.log(`| ${r.variant} | ${fmt(r.allocatedBytes)} | ${fmt(r.promotedBytes)} | ${fmt(r.scavengesPer1000, 2)} | ${fmt(r.pauseMicros, 2)} | ${r.fullCollections} |`);
    results[adapter] = rows;
  }
  if (args.json) {
    const file = resolve(root, args.json);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ app, warmup: WARMUP, requests: REQUESTS, semiSpaceMB: SEMI_SPACE, adapters: results }, null, 2));
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`young-generation failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
