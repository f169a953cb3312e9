import pino, { type Logger } from 'pino';
import { boundedMemo } from '../core/bounded-memo.js';
import { type LineFormat, StdoutDestination } from './stdout-destination.js';

/** Fields of a line the module writes itself: flat, in order, none secret. */
export type FixedFields = Record<string, string | number | undefined>;

interface PinoInternals {
  [key: symbol]: unknown;
}

type Stream = { write(chunk: string): unknown };

/**
 * The logger's destination when it is a plain pino logger (a stream, and bindings pino serialised) without redaction
 * paths; else undefined, and the line takes pino's path.
 */
function streamOf(logger: Logger): Stream | undefined {
  const internals = logger as unknown as PinoInternals;
  const stream = internals[pino.symbols.streamSym] as Stream | undefined;
  if (!stream || typeof stream.write !== 'function' || typeof internals[pino.symbols.chindingsSym] !== 'string') return undefined;
  // pino.multistream routes a line by the level pino sets on it before each write: such a stream takes pino's path.
  if ((stream as unknown as PinoInternals)[pino.symbols.needsMetadataGsym]) return undefined;
  // A user's redaction path (`logging.redact`) can name any field these lines write (`path`, `request_id`, ...).
  // pino keeps the paths' redactor under redactFmtSym whenever it has any.
  if ((internals[pino.symbols.stringifiersSym] as PinoInternals)[pino.symbols.redactFmtSym] !== undefined) return undefined;
  return stream;
}

/** Whether the writers here write the logger's lines themselves (else they return false, and pino writes them). */
export const writesDirectly = (logger: Logger): boolean => streamOf(logger) !== undefined;

/** The logger's serialised bindings (`,"service":…,"pid":…,"hostname":…`): read per line (setBindings can change them). */
const bindingsOf = (logger: Logger) => (logger as unknown as PinoInternals)[pino.symbols.chindingsSym] as string;

/** A time as pino writes it, formatted once per millisecond: a 13-digit time is no small integer to V8. */
let lastMillis = -1;
let lastMillisText = '';
function timeText(millis: number): string {
  if (millis !== lastMillis) {
    lastMillis = millis;
    lastMillisText = String(millis);
  }
  return lastMillisText;
}

/**
 * Writes a line straight to the logger's destination, in exactly the shape `logger[level](fields, msg)` gives it
 * (`{"level":…,"time":…,"service":…,"pid":…,"hostname":…,<fields>,"msg":…}`, undefined fields left out), at a
 * fraction of the cost: with flat fields that hold nothing secret, pino's mixin, redaction and serializer passes have
 * nothing to do (docs/performance.md). `fields` may come as their text already (`fieldsText`: a context's, kept for
 * its lines). `level` is pino's name for it (`info`, `warn`, ...).
 * Returns false when the logger is not a plain pino logger; the caller then uses the logger itself.
 */
export function writeLine(logger: Logger, fields: FixedFields | string, msg: string, level = 'info'): boolean {
  const stream = streamOf(logger);
  if (!stream) return false;
  if (logger.isLevelEnabled(level)) {
    const members = typeof fields === 'string' ? fields : fieldsText(fields);
    stream.write(`{"level":${logger.levels.values[level]!},"time":${timeText(Date.now())}${bindingsOf(logger)}${members},"msg":${jsonString(msg)}}\n`);
  }
  return true;
}

/** Flat fields as the members of a line (`,"key":value…`, undefined ones left out), as pino writes them. */
export function fieldsText(fields: FixedFields): string {
  let out = '';
  for (const key in fields) {
    const value = fields[key];
    if (value !== undefined) out += memberText(key, value);
  }
  return out;
}

/** One member of a line: `,"key":value`. */
export const memberText = (key: string, value: string | number): string => `${keyPrefix(key)}${jsonValue(value)}`;

/**
 * Writes a fixed line of the module's (`request completed`, `job completed`), made by `format` in one template: on
 * the module's own destination it is kept, and made with the turn's other kept lines when they are written (`line`
 * is read then): one loop over a turn's lines costs less than each line between the app's work (docs/performance-log.md,
 * "Fourteenth look"). Elsewhere it is made and written at once. False when the logger is not a plain pino logger.
 */
function writeFixedLine<F>(logger: Logger, format: LineFormat<F>, line: F): boolean {
  const stream = streamOf(logger);
  if (!stream) return false;
  if (!logger.isLevelEnabled('info')) return true;
  const time = Date.now();
  const bindings = bindingsOf(logger);
  if (stream instanceof StdoutDestination) stream.writeLater(format, line, time, bindings);
  else stream.write(format(line, time, bindings));
  return true;
}

/** The access line's fields, in the order they are written. */
export interface AccessLine {
  request_id?: string;
  trace_id?: string;
  method: string;
  route: string;
  path: string;
  status_code: number;
  duration_ms: number;
}

/**
 * The access line (`request completed`), as `writeLine` would write it, in one template: it runs for every
 * request, and its fixed keys need no loop or key lookup (961 -> 742 ns per line in one micro-benchmark run,
 * docs/performance-log.md, "Fifth look").
 */
export function writeAccessLine(logger: Logger, line: AccessLine): boolean {
  return writeFixedLine(logger, accessLineText, line);
}

function accessLineText(line: AccessLine, time: number, bindings: string): string {
  const { request_id, trace_id } = line;
  return (
    `{"level":30,"time":${timeText(time)}${bindings}${request_id === undefined ? '' : `,"request_id":${jsonString(request_id)}`}` +
    `${trace_id === undefined ? '' : `,"trace_id":${jsonString(trace_id)}`},"method":${quotedLabel(line.method)},"route":${quotedLabel(line.route)}` +
    `,"path":${jsonString(line.path)},"status_code":${jsonValue(line.status_code)},"duration_ms":${millisText(line.duration_ms)},"msg":"request completed"}\n`
  );
}

/** The `job completed` line's fields, in the order they are written. */
export interface JobLine {
  request_id?: string;
  job_id: string;
  queue: string;
  job_name: string;
  attempt: number;
  duration_ms?: number;
  wait_ms?: number;
}

/** The `job completed` line, as `writeLine` would write it, in one template as the access line is. */
export function writeJobLine(logger: Logger, line: JobLine): boolean {
  return writeFixedLine(logger, jobLineText, line);
}

function jobLineText(line: JobLine, time: number, bindings: string): string {
  const { request_id, duration_ms, wait_ms } = line;
  return (
    `{"level":30,"time":${timeText(time)}${bindings}${request_id === undefined ? '' : `,"request_id":${jsonString(request_id)}`}` +
    `,"job_id":${jsonString(line.job_id)},"queue":${quotedLabel(line.queue)},"job_name":${quotedLabel(line.job_name)},"attempt":${jsonValue(line.attempt)}` +
    `${duration_ms === undefined ? '' : `,"duration_ms":${jsonValue(duration_ms)}`}${wait_ms === undefined ? '' : `,"wait_ms":${jsonValue(wait_ms)}`},"msg":"job completed"}\n`
  );
}

/** Methods, route templates, queues and job names are a few strings, each quoted once (a lookup instead of a check per line). */
const quotedLabel = boundedMemo((value) => jsonString(value), 512);

/** `.001` to `.999` without trailing zeros, and '' for none. */
const FRACTIONS = Array.from({ length: 1000 }, (_, i) => (i === 0 ? '' : `.${String(i).padStart(3, '0').replace(/0+$/, '')}`));

/**
 * A duration in milliseconds to three decimals (the access line's) as JSON.stringify writes it, from its integer
 * microseconds: formatting a double costs about four times as much. Any other number takes jsonValue.
 */
function millisText(ms: number): string | number {
  const micros = Math.round(ms * 1e3);
  if (micros >= 0 && micros <= 0x3fffffff && micros / 1e3 === ms) return `${(micros / 1000) | 0}${FRACTIONS[micros % 1000]}`;
  return jsonValue(ms);
}

/** `,"key":` per key, built once: the keys of the module's lines are a handful of constants. */
const keyPrefix = boundedMemo((key) => `,${JSON.stringify(key)}:`, 64);

/** Printable ASCII without `"` and `\\`: quoted as it is, which is what JSON.stringify would write. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const jsonString = (value: string) => (PLAIN.test(value) ? `"${value}"` : JSON.stringify(value));
/** What JSON.stringify writes for a field's value: non-finite numbers become null. */
const jsonValue = (value: string | number) => (typeof value === 'number' ? (Number.isFinite(value) ? value : 'null') : jsonString(value));
