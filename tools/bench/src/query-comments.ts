// The query-comment scenario's worker process: a Nest application context with ObservabilityModule and TypeORM,
// holding three data sources of one connection each, so the clients share one process (one heap, one JIT state):
//   plain:      pg's own Client (no commenting client at all),
//   plain2:     pg's own Client again, on a second connection: how far two connections differ when nothing does,
//   commenting: sqlCommentingClient(), with comments on or off as BENCH_COMMENTS says (on | off).
// Separate processes of one build differ by more than the comment costs (docs/performance.md, "Fourth look"); here
// the scenario alternates the clients in one process and compares them chunk by chunk.
// It reads `run <client> <n>` lines on stdin, runs n small queries one after another on that client, each in its
// own correlation context (as requests would), and answers one JSON line `{"ns": <elapsed>, "cpuMicros": <its own
// CPU time>}` per batch: process.cpuUsage() counts microseconds, where /proc counts 10 ms ticks.
import 'reflect-metadata';
import { createInterface } from 'node:readline';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { ObservabilityModule, runWithRequestId, sqlCommentingClient } from '@commandcenter/observability';
import type { DataSource } from 'typeorm';

const mode = process.env.BENCH_COMMENTS;
if (mode !== 'off' && mode !== 'on') throw new Error(`BENCH_COMMENTS must be on or off; got ${mode}`);
if (mode === 'off') process.env.OBSERVABILITY_QUERY_COMMENTS_ENABLED = 'false';
const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is not set');

const CLIENTS = ['plain', 'plain2', 'commenting'] as const;
type ClientName = (typeof CLIENTS)[number];
const dataSource = (name: ClientName) =>
  TypeOrmModule.forRoot({
    name,
    type: 'postgres',
    url,
    extra: { max: 1, ...(name === 'commenting' ? { Client: sqlCommentingClient() } : {}) },
    retryAttempts: 0,
  });

@Module({
  imports: [
    ObservabilityModule.forRoot({
      serviceName: 'bench',
      logging: { enabled: false },
      metrics: { enabled: true, defaultMetrics: false },
      queue: { enabled: false },
      database: { enabled: true, queryComments: mode === 'on' },
    }),
    ...CLIENTS.map(dataSource),
  ],
})
class QueryBenchModule {}

async function runBatch(source: DataSource, n: number): Promise<{ ns: string; cpuMicros: number }> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    await runWithRequestId(`bench-${i}-0123456789abcdef`, () => source.query('SELECT $1::int AS n', [i]), 'bench');
  }
  const ns = String(process.hrtime.bigint() - started);
  const used = process.cpuUsage(cpu);
  return { ns, cpuMicros: used.user + used.system };
}

/** The statement as PostgreSQL saw it: it echoes the text back through pg_stat_activity. */
async function seenStatement(source: DataSource): Promise<string> {
  const [row] = await runWithRequestId('bench-check', () => source.query('SELECT query FROM pg_stat_activity WHERE pid = pg_backend_pid()'));
  return row.query;
}

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(QueryBenchModule, { logger: false });
  const sources = Object.fromEntries(CLIENTS.map((name) => [name, app.get<DataSource>(getDataSourceToken(name))])) as Record<ClientName, DataSource>;
  const statements = { plain: await seenStatement(sources.plain), commenting: await seenStatement(sources.commenting) };
  process.stdout.write(`${JSON.stringify({ ready: true, statements })}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    const [command, client, count] = line.trim().split(' ');
    if (command !== 'run') break;
    if (!(CLIENTS as readonly string[]).includes(client)) throw new Error(`unknown client ${client}`);
    process.stdout.write(`${JSON.stringify(await runBatch(sources[client as ClientName], Number(count)))}\n`);
  }
  await app.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`query-comments bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
