import { join } from 'node:path';
import { formatTable, summarize } from '../stats.mjs';
import { startServer, wrk, alternate, header, root } from '../runner.mjs';

// 1. HTTP overhead on the bench app
const HTTP_VARIANTS = ['bare', 'otel', 'otel-all', 'off', 'correlation', 'metrics', 'errors', 'access-log', 'all-no-access-log', 'all'];

export async function httpScenario(o, results) {
  const app = join(root, 'dist/tools/bench/bench-app.js');
  const variants = o.variants ?? ['raw', ...HTTP_VARIANTS];
  for (const v of variants) if (v !== 'raw' && !HTTP_VARIANTS.includes(v)) throw new Error(`--variants: unknown variant ${v}`);
  if (!variants.includes('bare')) throw new Error('--variants must include bare (the baseline)');
  for (const adapter of o.adapters) {
    if (adapter !== 'express' && adapter !== 'fastify') throw new Error(`--adapters: express or fastify, not ${adapter}`);
    const servers = {};
    if (adapter === 'express' && variants.includes('raw')) servers.raw = await startServer('raw node:http', process.execPath, [join(root, 'tools/bench/raw-server.mjs')]);
    for (const variant of HTTP_VARIANTS.filter((v) => variants.includes(v))) {
      const pre = variant.startsWith('otel') ? ['--import', join(root, 'tools/bench/otel.mjs')] : [];
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
