// The query-comment scenario's worker process: a Nest application context with ObservabilityModule and TypeORM on
// one data source of one connection, whose pg client is a sqlCommentingClient (comments on or off as BENCH_COMMENTS
// says: on | off). The clients under comparison are two ways of sending on that one connection:
//   plain:      pg's own Client.query (the commenting client's override bypassed),
//   plain2:     pg's own Client.query again: how far two runs differ when nothing does (the resolution),
//   commenting: the sqlCommentingClient's query,
//   textual:    pg's own Client.query with the comment the module would add written into the statement by a template
//               literal: what the longer text alone costs (pg, the socket, PostgreSQL), without the module's code.
// Separate processes of one build differ by more than the comment costs, and so do two connections (two PostgreSQL
// backends) of one process (docs/performance-log.md, "Fifth look"): here one process, one connection and one backend
// alternate the ways of sending chunk by chunk.
// It reads `run <client> <n>` lines on stdin, runs n small queries one after another that way, each in its own
// correlation context (as requests would), and answers one JSON line `{"ns": <elapsed>, "cpuMicros": <its own
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

const CLIENTS = ['plain', 'plain2', 'commenting', 'textual'] as const;
const STATEMENT = 'SELECT $1::int AS n';
/** The module's serviceName here: the comment's `application`. */
const APPLICATION = 'bench';
type ClientName = (typeof CLIENTS)[number];
type Query = (...args: unknown[]) => unknown;

// The one connection's client, kept when pg's pool makes it, so the bench can choose how it sends.
const Commenting = sqlCommentingClient();
const made: Array<{ query: Query }> = [];
class RecordedClient extends Commenting {
  constructor(...args: ConstructorParameters<typeof Commenting>) {
    super(...args);
    made.push(this as unknown as { query: Query });
  }
}
const pgQuery = Object.getPrototypeOf(Commenting.prototype).query as Query;
const commentingQuery = Commenting.prototype.query as Query;

@Module({
  imports: [
    ObservabilityModule.forRoot({
      serviceName: APPLICATION,
      logging: { enabled: false },
      metrics: { enabled: true, defaultMetrics: false },
      queue: { enabled: false },
      database: { enabled: true, queryComments: mode === 'on' },
    }),
    TypeOrmModule.forRoot({ type: 'postgres', url, extra: { max: 1, Client: RecordedClient }, retryAttempts: 0 }),
  ],
})
class QueryBenchModule {}

/** Sends the connection's next statements the way `client` names: an own property in front of the class's method. */
function sendAs(client: ClientName): void {
  if (made.length !== 1) throw new Error(`expected one pg client, found ${made.length}`);
  made[0].query = client === 'commenting' ? commentingQuery : pgQuery;
}

async function runBatch(source: DataSource, client: ClientName, n: number): Promise<{ ns: string; cpuMicros: number }> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const textual = client === 'textual';
  for (let i = 0; i < n; i++) {
    const id = `bench-${i}-0123456789abcdef`;
    await runWithRequestId(id, () => source.query(textual ? writtenIn(STATEMENT, id) : STATEMENT, [i]), 'bench');
  }
  const ns = String(process.hrtime.bigint() - started);
  const used = process.cpuUsage(cpu);
  return { ns, cpuMicros: used.user + used.system };
}

/** The statement with the comment the module adds here, written in by a template literal (the textual client's). */
function writtenIn(sql: string, id: string): string {
  return `${sql} /*application='${APPLICATION}',request_id='${id}'*/`;
}

/** The statement as PostgreSQL saw it: it echoes the text back through pg_stat_activity. */
async function seenStatement(source: DataSource, client: ClientName): Promise<string> {
  sendAs(client);
  const sql = 'SELECT query FROM pg_stat_activity WHERE pid = pg_backend_pid()';
  const [row] = await runWithRequestId('bench-check', () => source.query(client === 'textual' ? writtenIn(sql, 'bench-check') : sql));
  return row.query;
}

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(QueryBenchModule, { logger: false });
  const source = app.get<DataSource>(getDataSourceToken());
  const statements = {
    plain: await seenStatement(source, 'plain'),
    commenting: await seenStatement(source, 'commenting'),
    textual: await seenStatement(source, 'textual'),
  };
  process.stdout.write(`${JSON.stringify({ ready: true, statements })}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    const [command, client, count] = line.trim().split(' ');
    if (command !== 'run') break;
    if (!(CLIENTS as readonly string[]).includes(client)) throw new Error(`unknown client ${client}`);
    sendAs(client as ClientName);
    process.stdout.write(`${JSON.stringify(await runBatch(source, client as ClientName, Number(count)))}\n`);
  }
  await app.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`query-comments bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
