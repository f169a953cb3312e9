import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatTable, median, pairedRounds, summarize } from '../stats.mjs';
import { wrk, wrkWithCpu } from '../load.mjs';
import { startServer, alternate, header, heapFlags, otelPreload, root } from '../runner.mjs';

// 1. HTTP overhead on the bench app
const HTTP_VARIANTS = ['bare', 'otel', 'otel-all', 'off', 'correlation', 'metrics', 'errors', 'access-log', 'all-no-access-log', 'all'];

export async function httpScenario(o, results) {
  const app = join(root, 'dist/tools/bench/bench-app.js');
  const variants = o.variants ?? ['raw', ...HTTP_VARIANTS];
  for (const v of variants) if (v !== 'raw' && !HTTP_VARIANTS.includes(v)) throw new Error(`--variants: unknown variant ${v}`);
  if (!variants.includes('bare')) throw new Error('--variants must include bare (the baseline)');
  const baseApp = o.baseApp && resolve(root, o.baseApp);
  if (baseApp && !existsSync(baseApp)) throw new Error(`--base-app=${o.baseApp}: no such file (a copy of dist/tools/bench/bench-app.js)`);
  for (const adapter of o.adapters) {
    if (adapter !== 'express' && adapter !== 'fastify') throw new Error(`--adapters: express or fastify, not ${adapter}`);
    const servers = {};
    if (adapter === 'express' && variants.includes('raw')) servers.raw = await startServer('raw node:http', process.execPath, [...heapFlags(o.semiSpace), join(root, 'tools/bench/raw-server.mjs')]);
    for (const variant of HTTP_VARIANTS.filter((v) => variants.includes(v))) {
      // The base build's twin of each module variant (bare and otel run no module code: one of each is enough).
      const builds = baseApp && variant !== 'bare' && variant !== 'otel' ? { [variant]: app, [`${variant}@base`]: baseApp } : { [variant]: app };
      for (const [name, file] of Object.entries(builds)) {
        servers[name] = await startServer(`bench app ${adapter}/${name}`, process.execPath, [...heapFlags(o.semiSpace), ...otelPreload(variant), file], {
          env: { BENCH_VARIANT: variant, BENCH_ADAPTER: adapter },
        });
      }
    }
    const names = Object.keys(servers);
    const url = (v) => `http://127.0.0.1:${servers[v].port}/items/42`;
    for (const v of names) wrk(url(v), o.warmup, o.connections);
    // Besides throughput, the server's own CPU time per request: throughput swings with the machine, CPU per request less.
    const samples = await alternate(names, o.rounds, async (v) => {
      const { cpuMicrosPerRequest, ...sample } = wrkWithCpu(url(v), o.duration, o.connections, servers[v]);
      return { ...sample, cpuMicros: cpuMicrosPerRequest };
    });
    for (const server of Object.values(servers)) await server.stop();
    const otelSpans = servers.otel && /"otelSpansExported":(\d+)/.exec(servers.otel.stderr())?.[1];
    const cpu = (v) => {
      const values = samples[v].map((x) => x.cpuMicros).filter((x) => x !== undefined);
      return values.length ? median(values) : undefined;
    };
    const rows = names.map((v) => {
      const row = summarize(v === 'raw' ? 'raw node:http' : v, samples[v], samples.bare);
      const [own, bare] = [cpu(v), cpu('bare')];
      return { ...row, cpuMicrosPerRequest: own, addedCpuMicros: own !== undefined && bare !== undefined ? own - bare : undefined };
    });
    results.http[adapter] = { rows, otelSpansExported: otelSpans === undefined ? undefined : Number(otelSpans) };
    header(`HTTP overhead, ${adapter} (GET /items/:id, ${o.connections} connections, ${o.rounds} × ${o.duration} s)`);
    process.stdout.write(formatTable(rows, 'added µs/req vs bare Nest'));
    process.stdout.write(`\nServer CPU time per request (median of rounds), added vs bare: ${rows.map((r) => `${r.variant} ${r.cpuMicrosPerRequest?.toFixed(1) ?? '?'} µs (${r.addedCpuMicros === undefined ? '?' : `${r.addedCpuMicros >= 0 ? '+' : ''}${r.addedCpuMicros.toFixed(1)}`})`).join(', ')}\n`);
    const twins = names.filter((v) => servers[`${v}@base`]);
    if (twins.length) {
      // Builds a few hundred nanoseconds apart: each round's figures compared, as the medians of the rounds blur it.
      const paired = twins.map((variant) => ({ variant, rounds: pairedRounds(samples[variant].map((x) => x.cpuMicros), samples[`${variant}@base`].map((x) => x.cpuMicros)) }));
      results.http[adapter].againstBase = Object.fromEntries(paired.map(({ variant, rounds }) => [variant, rounds]));
      const said = ({ variant, rounds: p }) => (p ? `${variant} ${p.median >= 0 ? '+' : ''}${p.median.toFixed(2)} µs (lower in ${p.lower} of ${p.rounds} rounds)` : `${variant} ?`);
      process.stdout.write(`\nThis build against the base build, server CPU per request, median of the rounds' differences: ${paired.map(said).join(', ')}\n`);
    }
    process.stdout.write(`\nOpenTelemetry spans exported (dropped) during the run: ${otelSpans ?? 'unknown'}\n`);
  }
}
