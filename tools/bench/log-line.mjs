#!/usr/bin/env node
// CPU per log line of the module's logger against pino redacting the module's nine default paths itself (what the
// module did before: pino's wildcard path runs its redactor once per field of every line) and pino with no
// redaction, on a line with the fields a job's lines carry. Needs the built library (npx nx run observability:build).
//
//   node tools/bench/log-line.mjs [--lines=200000]
import pino from 'pino';
import { Registry } from 'prom-client';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './stats.mjs';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const lib = join(root, 'dist/libs/observability/esm/lib');
const { createPinoLogger } = await import(join(lib, 'logging/pino-logger.js'));
const { resolveOptions } = await import(join(lib, 'options/resolve-options.js'));
const { InternalErrors } = await import(join(lib, 'core/internal-errors.js'));

const LINES = Number(process.argv.find((a) => a.startsWith('--lines='))?.split('=')[1] ?? 200_000);
const sink = { write: () => true };
const PATHS = ['authorization', 'cookie', '["set-cookie"]', 'headers.authorization', 'headers.cookie', 'headers["set-cookie"]', '*.headers.authorization', '*.headers.cookie', '*.headers["set-cookie"]'];
const base = { service: 'worker', pid: process.pid, hostname: 'host' };
const loggers = {
  'the module': createPinoLogger(resolveOptions({ serviceName: 'worker', logging: { destination: sink } }, {}), new InternalErrors(new Registry())),
  'pino, default paths as pino redact paths': pino({ base, redact: { paths: PATHS, censor: '[Redacted]' } }, sink),
  'pino, no redaction': pino({ base }, sink),
};
// A job's line: the module's mixin adds the job's fields (given with the line here: no context is open).
const fields = { context: 'SyncProcessor', request_id: 'c7078c08-d412-4f59-b11e-fd641411c7a8', job_id: '1', queue: 'repository-sync', job_name: 'sync', attempt: 1 };

function measure(logger) {
  for (let i = 0; i < LINES / 10; i++) logger.info(fields, 'sync of repository x started');
  const started = process.hrtime.bigint();
  for (let i = 0; i < LINES; i++) logger.info(fields, 'sync of repository x started');
  return Number(process.hrtime.bigint() - started) / LINES / 1000;
}

const results = Object.fromEntries(Object.keys(loggers).map((name) => [name, []]));
for (let round = 0; round < 5; round++) for (const [name, logger] of Object.entries(loggers)) results[name].push(measure(logger));
console.log(`# CPU per log line (${LINES} lines a round, 5 rounds alternated, median), a line with 7 fields\n`);
console.log('| logger | µs per line |\n|---|---:|');
for (const [name, values] of Object.entries(results)) console.log(`| ${name} | ${median(values).toFixed(2)} |`);
