// The query-comment scenario's worker process: a Nest application context with ObservabilityModule and TypeORM
// on one pg connection. BENCH_COMMENTS says which client sends the statements:
//   plain: pg's own Client (no commenting client at all),
//   off:   sqlCommentingClient() with OBSERVABILITY_QUERY_COMMENTS_ENABLED=false,
//   on:    sqlCommentingClient() with comments on (request id, application).
// It reads `run <n>` lines on stdin, runs n small queries one after another, each in its own correlation
// context (as requests would), and answers one JSON line `{"ns": <elapsed>, "cpuMicros": <its own CPU time>}` per
// batch: process.cpuUsage() counts microseconds, where /proc counts 10 ms ticks (1 µs per statement over 10,000).
import 'reflect-metadata';
import { createInterface } from 'node:readline';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { ObservabilityModule, runWithRequestId, sqlCommentingClient } from '@commandcenter/observability';
import type { DataSource } from 'typeorm';

const mode = process.env.BENCH_COMMENTS;
if (mode !== 'plain' && mode !== 'off' && mode !== 'on') throw new Error(`BENCH_COMMENTS must be plain, off or on; got ${mode}`);
if (mode === 'off') process.env.OBSERVABILITY_QUERY_COMMENTS_ENABLED = 'false';
const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is not set');

@Module({
  imports: [
    ObservabilityModule.forRoot({
      serviceName: 'bench',
      logging: { enabled: false },
      metrics: { enabled: true, defaultMetrics: false },
      queue: { enabled: false },
      database: { enabled: true, queryComments: mode === 'on' },
    }),
    TypeOrmModule.forRoot({
      type: 'postgres',
      url,
      extra: { max: 1, ...(mode === 'plain' ? {} : { Client: sqlCommentingClient() }) },
      retryAttempts: 0,
    }),
  ],
})
class QueryBenchModule {}

async function runBatch(dataSource: DataSource, n: number): Promise<{ ns: string; cpuMicros: number }> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    await runWithRequestId(`bench-${i}-0123456789abcdef`, () => dataSource.query('SELECT $1::int AS n', [i]), 'bench');
  }
  const ns = String(process.hrtime.bigint() - started);
  const used = process.cpuUsage(cpu);
  return { ns, cpuMicros: used.user + used.system };
}

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(QueryBenchModule, { logger: false });
  const dataSource = app.get<DataSource>(getDataSourceToken());
  // The comment really is there (or not): PostgreSQL echoes the statement text back through pg_stat_activity.
  const [row] = await runWithRequestId('bench-check', () => dataSource.query('SELECT query FROM pg_stat_activity WHERE pid = pg_backend_pid()'));
  process.stdout.write(`${JSON.stringify({ ready: true, statement: row.query })}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    const [command, count] = line.trim().split(' ');
    if (command === 'run') process.stdout.write(`${JSON.stringify(await runBatch(dataSource, Number(count)))}\n`);
    else break;
  }
  await app.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`query-comments bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
