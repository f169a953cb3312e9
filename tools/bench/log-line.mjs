#!/usr/bin/env node
// CPU per log line of the module's logger against pino redacting the module's nine default paths itself (what the
// module did before: pino's wildcard path runs its redactor once per field of every line) and pino with no
// redaction, on a line with the fields a job's lines carry; a job's line inside its context and outside any; then the
// access line (`request completed`) as the module writes it for every request (writeAccessLine), as its generic
// fixed-field writer would (writeLine), as pino's own `info()` on the module's logger would, and with a
// `logging.redact` path set (pino's path, where the paths apply); then a line of Nest's `Logger`
// (`new Logger('SyncProcessor').log(message)`, the worker's own lines) through the module's NestLines and through
// nestjs-pino's Logger, inside a job's context and outside any; then an error line (a real axios error from a local
// server, and a plain Error) as the module writes it against pino's own `err` serializer (what the module did before
// error-fields.ts), a hundredth as many lines; last, a job's lines inside OpenTelemetry spans (the real SDK). Needs
// the built library (npx nx run observability:build).
//
//   node tools/bench/log-line.mjs [--lines=200000]
import http from 'node:http';
import axios from 'axios';
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
const { writeAccessLine, writeLine } = await import(join(lib, 'logging/fixed-line.js'));
const { JobPropagation } = await import(join(lib, 'queue/job-propagation.js'));
const { JOB_CONTEXT_OPTION } = await import(join(lib, 'queue/job-context.js'));
const { NestLines } = await import(join(lib, 'logging/nest-lines.js'));

const LINES = Number(process.argv.find((a) => a.startsWith('--lines='))?.split('=')[1] ?? 200_000);
const sink = { write: () => true };
const PATHS = ['authorization', 'cookie', '["set-cookie"]', 'headers.authorization', 'headers.cookie', 'headers["set-cookie"]', '*.headers.authorization', '*.headers.cookie', '*.headers["set-cookie"]'];
const base = { service: 'worker', pid: process.pid, hostname: 'host' };
// The module's logger reads the active span as the module sets it up where @opentelemetry/api is installed (no span
// is active until the last table registers an SDK).
const { activeSpan } = (await import(join(lib, 'opentelemetry/active-span.js')).then((m) => m.loadOpenTelemetry())) ?? {};
if (!activeSpan) throw new Error('@opentelemetry/api did not load');
const loggers = {
  'the module': createPinoLogger(resolveOptions({ serviceName: 'worker', logging: { destination: sink } }, {}), new InternalErrors(new Registry()), activeSpan),
  'pino, default paths as pino redact paths': pino({ base, redact: { paths: PATHS, censor: '[Redacted]' } }, sink),
  'pino, no redaction': pino({ base }, sink),
};
// A job's line: the module's mixin adds the job's fields (given with the line here: no context is open).
const fields = { context: 'SyncProcessor', request_id: 'c7078c08-d412-4f59-b11e-fd641411c7a8', job_id: '1', queue: 'repository-sync', job_name: 'sync', attempt: 1 };

/** µs per call of `write`, after a tenth as many calls of warm-up. */
function measure(write, calls = LINES) {
  for (let i = 0; i < calls / 10; i++) write();
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) write();
  return Number(process.hrtime.bigint() - started) / calls / 1000;
}

/** Each writer measured in 5 rounds of `lines` lines, in turn, and the medians printed as a table. */
function table(title, writers, linesPerCall = 1, lines = LINES) {
  const results = Object.fromEntries(Object.keys(writers).map((name) => [name, []]));
  for (let round = 0; round < 5; round++) for (const [name, write] of Object.entries(writers)) results[name].push(measure(write, lines / linesPerCall) / linesPerCall);
  console.log(`# ${title} (${lines} lines a round, 5 rounds alternated, median)\n`);
  console.log('| writer | µs per line |\n|---|---:|');
  for (const [name, values] of Object.entries(results)) console.log(`| ${name} | ${median(values).toFixed(2)} |`);
  console.log('');
}

table(
  'CPU per log line, a line with 7 fields',
  Object.fromEntries(Object.entries(loggers).map(([name, logger]) => [name, () => logger.info(fields, 'sync of repository x started')])),
);

// A job's line as the worker writes it: inside the job's context (opened as the module opens it around a processor,
// one context per ten lines), against the same line outside any context. The difference is what a job's context adds
// to each of its lines: the mixin's read of the store and pino serialising the five fields it adds.
const propagation = new JobPropagation({ serviceName: 'worker', internal: new InternalErrors(new Registry()), currentRoute: () => undefined });
const job = { id: '17', name: 'sync', attemptsMade: 0, opts: { [JOB_CONTEXT_OPTION]: { v: 1, request_id: fields.request_id } } };
const jobLines = () => {
  for (let i = 0; i < 10; i++) loggers['the module'].info({ context: 'SyncProcessor' }, 'sync of repository x started');
};
table('CPU per log line of a job, the module\'s logger (ten lines per context)', {
  'inside the job\'s context': () => propagation.run({ name: 'repository-sync' }, job, jobLines),
  'outside any context': jobLines,
}, 10);

// The access line of a GET the api serves, with a fresh duration per line, rounded to the microsecond as the module's
// observer rounds it (the line writes such durations without formatting a double).
const moduleLogger = loggers['the module'];
let n = 0;
const access = () => ({
  request_id: 'c7078c08-d412-4f59-b11e-fd641411c7a8',
  method: 'GET',
  route: '/api/v1/repositories',
  path: '/api/v1/repositories',
  status_code: 200,
  duration_ms: Math.round(((n++ % 1000) / 7) * 1e3) / 1e3,
});
if (!writeAccessLine(moduleLogger, access())) throw new Error("the module's logger is not a plain pino logger: writeAccessLine wrote nothing");
// With `logging.redact` paths the module leaves the line to pino, where they apply: what the observer then does.
const redacting = createPinoLogger(resolveOptions({ serviceName: 'worker', logging: { destination: sink, redact: ['path'] } }, {}), new InternalErrors(new Registry()));
if (writeAccessLine(redacting, access())) throw new Error('writeAccessLine wrote a line of a logger with redaction paths');
table('CPU per access line (`request completed`), the module\'s logger', {
  writeAccessLine: () => writeAccessLine(moduleLogger, access()),
  writeLine: () => writeLine(moduleLogger, access(), 'request completed'),
  'pino info()': () => moduleLogger.info(access(), 'request completed'),
  "logging.redact: ['path'] (pino's path)": () => writeAccessLine(redacting, access()) || redacting.info(access(), 'request completed'),
});

// Nest's Logger, as the apps' services write (a message under the logger's context): nestjs-pino's Logger on the
// module's logger (pino-http's child of it, as the module sets nestjs-pino up), and the module's NestLines over it.
const { Logger: NestLogger } = await import('@nestjs/common');
const { Logger: NestjsPinoLogger, PinoLogger } = await import('nestjs-pino');
const params = { pinoHttp: { logger: moduleLogger, autoLogging: false, wrapSerializers: false }, forRoutes: [], renameContext: 'context' };
const nestjsPino = new NestjsPinoLogger(new PinoLogger(params), params);
const nestLines = new NestLines(nestjsPino, moduleLogger, activeSpan);
const service = new NestLogger('SyncProcessor');
const nestLine = (through) => () => {
  NestLogger.overrideLogger(through);
  for (let i = 0; i < 10; i++) service.log('sync of repository x started');
};
table("CPU per line of Nest's Logger, the module's logger (ten lines per call; in a job's context, ten lines per context)", {
  'NestLines, in a job\'s context': () => propagation.run({ name: 'repository-sync' }, job, nestLine(nestLines)),
  'nestjs-pino, in a job\'s context': () => propagation.run({ name: 'repository-sync' }, job, nestLine(nestjsPino)),
  'NestLines, outside any context': nestLine(nestLines),
  'nestjs-pino, outside any context': nestLine(nestjsPino),
}, 10);

// An error line: an HTTP client's error carries its request (a ClientRequest, with the raw header text it sent) and
// response; pino's own serializer writes them whole, the module names them and censors secret headers at any depth.
const upstream = http.createServer((_req, res) => {
  res.setHeader('set-cookie', 'sid=1');
  res.statusCode = 502;
  res.end('{"reason":"maintenance"}');
});
await new Promise((resolve) => upstream.listen(0, '127.0.0.1', () => resolve(undefined)));
const { port } = /** @type {import('node:net').AddressInfo} */ (upstream.address());
const axiosError = await axios.get(`http://127.0.0.1:${port}/orders/7`, { headers: { Authorization: 'Bearer t' } }).then(
  () => {
    throw new Error('the upstream answered 2xx');
  },
  (error) => error,
);
upstream.close();
const plainError = Object.assign(new Error('boom'), { code: 'E_BOOM', status: 500 });
const pinoErr = pino({ base, serializers: { err: pino.stdSerializers.err } }, sink);
table(
  'CPU per error line (`err`)',
  {
    'axios error, the module': () => moduleLogger.error({ err: axiosError }, 'upstream failed'),
    "axios error, pino's err serializer": () => pinoErr.error({ err: axiosError }, 'upstream failed'),
    'plain Error, the module': () => moduleLogger.error({ err: plainError }, 'failed'),
    "plain Error, pino's err serializer": () => pinoErr.error({ err: plainError }, 'failed'),
  },
  1,
  LINES / 100,
);

// A job's lines inside OpenTelemetry spans (the real SDK, registered here, last: it stays registered): the module's
// logger and NestLines read the active span per line, and a context's lines in one span read the same one (ten
// lines per context, one span per context, as a job's lines within its processor's span).
const { context, trace } = await import('@opentelemetry/api');
const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
const { TracerProvider } = await import('@opentelemetry/sdk-trace');
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(new TracerProvider());
const tracer = trace.getTracer('log-line');
const inSpan = (lines) => () => propagation.run({ name: 'repository-sync' }, job, () => tracer.startActiveSpan('sync', (span) => (lines(), span.end())));
table("CPU per log line inside an OpenTelemetry span, in a job's context (ten lines per context and span)", {
  "NestLines (Nest's Logger)": inSpan(nestLine(nestLines)),
  "nestjs-pino (Nest's Logger)": inSpan(nestLine(nestjsPino)),
  "the module's logger (pino's info())": inSpan(jobLines),
  'no line, the context and span alone': inSpan(() => {}),
}, 10);
