#!/usr/bin/env node
// Two builds of the library side by side in one process, for a change of a few hundred nanoseconds: builds compared
// in separate processes differ by more than that (docs/performance-log.md, "Ninth look"). Each step is measured in turn
// on each build, the order swapped every round; the table gives each build's median and the median of the paired
// differences. Steps: a job's context opened as the worker opens it around a processor, with the job's two log lines
// inside it; the context alone; five statements commented inside it (pg's own query stubbed to return its text); the
// job's metrics as its `completed` event records them (counter, duration and wait histograms); the context with two
// lines of Nest's Logger inside it (through the build's NestLines where it has them, else nestjs-pino's Logger); the
// job's `completed` event whole (its metrics and its line, after its processor ran in that build).
//
//   node tools/bench/build-ab.mjs --base=tmp/ab/base [--new=dist/libs/observability] [--rounds=30] [--calls=20000] [--json=FILE]
//
// A build is a copy of dist/libs/observability inside this repository (so that it finds node_modules), e.g.
//   git checkout <rev> -- libs/observability/src && npx nx run observability:build && cp -r dist/libs/observability tmp/ab/base
//   git checkout HEAD -- libs/observability/src && npx nx run observability:build
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Logger as NestLogger } from '@nestjs/common';
import { Logger as NestjsPinoLogger, PinoLogger } from 'nestjs-pino';
import pg from 'pg';
import { Registry } from 'prom-client';
import { numberOption, root } from './runner.mjs';
import { median, pairedRounds } from './stats.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((a) => { const [k, ...v] = a.replace(/^--/, '').split('='); return [k, v.join('=')]; }));
const ROUNDS = numberOption('rounds', args.rounds, 30, { positive: true, whole: true });
const CALLS = numberOption('calls', args.calls, 20_000, { positive: true, whole: true });
const builds = { base: args.base, new: args.new ?? 'dist/libs/observability' };
if (!builds.base) throw new Error('--base: the directory of the build to compare against (a copy of dist/libs/observability)');
for (const [name, dir] of Object.entries(builds)) {
  if (!existsSync(join(resolve(root, dir), 'esm/lib/queue/job-propagation.js'))) throw new Error(`--${name}=${dir}: no built library there (esm/lib/queue/job-propagation.js)`);
}

// The commenting client's statements go nowhere: pg's own query returns the text it was given.
pg.Client.prototype.query = function query(config) {
  return config;
};
const sink = { write: () => true };
const job = { id: '17', name: 'sync', attemptsMade: 0, opts: { observabilityContext: { v: 1, request_id: 'c7078c08-d412-4f59-b11e-fd641411c7a8' } } };
const SQL = 'SELECT "Repository"."id" AS "Repository_id" FROM "repositories" "Repository" WHERE (("Repository"."id" = $1)) LIMIT 1';

/** The steps of one build, each a function measured by calls; `select` makes the build's statement settings current. */
async function load(dir) {
  const lib = join(resolve(root, dir), 'esm/lib');
  const imp = (path) => import(join(lib, path));
  const [{ createPinoLogger }, { resolveOptions }, { InternalErrors }, { JobPropagation }, { sqlCommentingClient }, { configureSqlComments }, { loadOpenTelemetry }] =
    await Promise.all(['logging/pino-logger.js', 'options/resolve-options.js', 'core/internal-errors.js', 'queue/job-propagation.js', 'database/commenting-client.js', 'database/sql-comment-settings.js', 'opentelemetry/active-span.js'].map(imp));
  const { QueueMetrics } = await imp('queue/queue-metrics.js');
  const { JobEvents } = await imp('queue/job-events.js');
  const { NestLines } = existsSync(join(lib, 'logging/nest-lines.js')) ? await imp('logging/nest-lines.js') : {};
  const metrics = new QueueMetrics(new Registry());
  const timing = { queue: 'repository-sync', jobName: 'sync', durationSeconds: 0.02, waitSeconds: 0.003, requestId: job.opts.observabilityContext.request_id };
  const internal = new InternalErrors(new Registry());
  const logger = createPinoLogger(resolveOptions({ serviceName: 'worker', logging: { destination: sink } }, {}), internal);
  const propagation = new JobPropagation({ serviceName: 'worker', internal, currentRoute: () => undefined });
  const settings = { enabled: true, application: 'worker', prepend: false, internal, openTelemetry: await loadOpenTelemetry() };
  const client = Object.create(sqlCommentingClient().prototype);
  const queue = { name: 'repository-sync' };
  const lines = () => {
    logger.info({ context: 'SyncProcessor' }, 'sync of repository x started');
    logger.info({ context: 'SyncProcessor' }, 'repository x synced in 3 ms');
  };
  const statements = () => {
    for (let i = 0; i < 5; i++) client.query(SQL, [1]);
  };
  // nestjs-pino keeps one root logger per process (the first build's): each build's PinoLogger reads its own logger
  // instead, a child of it as pino-http makes one for nestjs-pino (with options, none of them serializers).
  const params = { pinoHttp: { logger, autoLogging: false, wrapSerializers: false }, forRoutes: [], renameContext: 'context' };
  const pinoLogger = new PinoLogger(params);
  const child = logger.child({}, {});
  Object.defineProperty(pinoLogger, 'logger', { get: () => child });
  const nestjsPino = new NestjsPinoLogger(pinoLogger, params);
  const nestTarget = NestLines ? new NestLines(nestjsPino, logger) : nestjsPino;
  const service = new NestLogger('SyncProcessor');
  const nestLines = () => {
    service.log('sync of repository x started');
    service.log('repository x synced in 3 ms');
  };
  const events = new JobEvents(logger, internal, metrics);
  const ended = { ...job, timestamp: 1_700_000_000_000, processedOn: 1_700_000_000_003, finishedOn: 1_700_000_000_023 };
  propagation.run(queue, ended, () => undefined);
  return {
    select: () => {
      configureSqlComments(settings);
      NestLogger.overrideLogger(nestTarget);
    },
    steps: {
      'a job: its context and two lines inside it': () => propagation.run(queue, job, lines),
      "a job's context alone": () => propagation.run(queue, job, () => undefined),
      'five statements commented inside a job': () => propagation.run(queue, job, statements),
      "a job's metrics (completed, duration, wait)": () => metrics.jobCompleted(timing),
      "a job: its context and two lines of Nest's Logger inside it": () => propagation.run(queue, job, nestLines),
      "a job's completed event (its metrics and line)": () => events.completed(queue.name, ended, 1),
    },
  };
}

function nanosPerCall(fn) {
  const started = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) fn();
  return Number(process.hrtime.bigint() - started) / CALLS;
}

const loaded = { base: await load(builds.base), new: await load(builds.new) };
const steps = Object.keys(loaded.base.steps);
const samples = Object.fromEntries(steps.map((s) => [s, { base: [], new: [] }]));
for (const name of ['base', 'new']) {
  loaded[name].select();
  for (const step of steps) nanosPerCall(loaded[name].steps[step]);
}
for (let round = 0; round < ROUNDS; round++) {
  for (const name of round % 2 ? ['base', 'new'] : ['new', 'base']) {
    loaded[name].select();
    for (const step of steps) samples[step][name].push(nanosPerCall(loaded[name].steps[step]));
  }
}
const rows = steps.map((step) => {
  const { base, new: next } = samples[step];
  return { step, base: median(base), new: median(next), paired: pairedRounds(next, base).median };
});
console.log(`# Two builds in one process: ${builds.base} (base) against ${builds.new} (new), ${ROUNDS} rounds of ${CALLS} calls, alternated\n`);
console.log('| step | base, ns | new, ns | new − base, ns (median of paired rounds) |\n|---|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.step} | ${r.base.toFixed(0)} | ${r.new.toFixed(0)} | ${r.paired >= 0 ? '+' : ''}${r.paired.toFixed(0)} |`);
if (args.json) {
  const path = resolve(root, args.json);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify({ builds, rounds: ROUNDS, calls: CALLS, rows }, null, 2));
}
