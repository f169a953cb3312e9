import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';
import type { Logger as PinoNestLogger } from 'nestjs-pino';
import { CLS_ID } from 'nestjs-cls';
import { currentStore, LINE_FIELDS_KEY, LOG_FIELDS_KEY, TRACE_CONTEXT_KEY } from '../correlation/correlation-context.js';
import type { ActiveSpanReader, SpanFields } from '../opentelemetry/active-span.js';
import { type FixedFields, fieldsText, memberText, writeLine, writesDirectly } from './fixed-line.js';
import { contextFields } from './pino-logger.js';
import { hasStack } from './stack-in-context.js';

/** What a line of Nest's Logger is checked against: the line nestjs-pino hands pino (`{ context }`). */
const CONTEXT_LINE = Object.freeze({ context: '' });

const { formattersSym } = pino.symbols;
/**
 * pino's per-logger settings that change how a line is written: a child logger (nestjs-pino's root is one, made by
 * pino-http without serializers of its own) must share the root's. Its formatters object is new in every child, so
 * their functions are compared.
 */
const SETTINGS = (['serializersSym', 'mixinSym', 'mixinMergeStrategySym', 'stringifiersSym', 'hooksSym', 'msgPrefixSym', 'messageKeySym'] as const)
  // Two of them are missing from pino's types, not from pino.
  .map((name) => (pino.symbols as unknown as Record<string, symbol | undefined>)[name])
  .filter((symbol): symbol is symbol => symbol !== undefined);
type Formatters = { level?: unknown; log?: unknown };

/** The part of nestjs-pino's Logger read here: its PinoLogger (the root logger, or nestjs-pino's per-context child). */
interface NestPinoInternals {
  logger?: { logger?: Logger; context?: string };
}

/**
 * What Nest's `Logger` writes through (every `new Logger(context)` in the app): nestjs-pino's Logger, with the line
 * written most, a string message under its logger's context at log, warn, debug or verbose level, written straight
 * to pino's destination in the shape nestjs-pino and pino give it (the context's fields, then `context`, then
 * `msg`). That skips nestjs-pino's argument handling and pino's hooks, mixin merge, formatter and serializer passes,
 * which have nothing to do on such a line (docs/performance.md). Anything else (errors, objects, extra arguments,
 * a context holding a stack, a child logger with options of its own) goes to nestjs-pino as before, and so does
 * every line when the module's logger is not written to directly (`logging.redact` paths, a multistream).
 */
export class NestLines implements LoggerService {
  /** The last logger found to share the root's settings: nestjs-pino's root, on nearly every line. */
  private shared?: Logger;
  /** Read once: the module's logger and its destination are set up before the app logs. */
  private readonly rootDirect: boolean;

  constructor(
    private readonly inner: PinoNestLogger,
    private readonly root: Logger,
    private readonly activeSpan?: ActiveSpanReader,
  ) {
    this.rootDirect = writesDirectly(root);
  }

  log(message: unknown, ...params: unknown[]): void {
    if (!this.direct('info', message, params)) this.inner.log(message, ...params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    if (!this.direct('warn', message, params)) this.inner.warn(message, ...params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    if (!this.direct('debug', message, params)) this.inner.debug(message, ...params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    if (!this.direct('trace', message, params)) this.inner.verbose(message, ...params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.inner.error(message, ...params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.inner.fatal(message, ...params);
  }

  /** Writes the line itself when it is of the common shape; false to leave it to nestjs-pino. */
  private direct(level: string, message: unknown, params: unknown[]): boolean {
    if (!this.rootDirect || typeof message !== 'string' || params.length > 1) return false;
    const context = params[0];
    if (context !== undefined && (typeof context !== 'string' || hasStack(context))) return false;
    const pinoLogger = (this.inner as unknown as NestPinoInternals).logger;
    const logger = pinoLogger?.logger;
    if (!logger || pinoLogger.context || !this.sharesSettings(logger)) return false;
    let text: string | undefined;
    try {
      const store = currentStore();
      text = contextText(store, this.activeSpan?.(store));
    } catch {
      return false; // pino's mixin meets the same fault, and counts it
    }
    if (text === undefined) return false;
    return writeLine(logger, context === undefined ? text : text + memberText('context', context), message, level);
  }

  private sharesSettings(logger: Logger): boolean {
    if (logger === this.root || logger === this.shared) return true;
    const own = logger as unknown as Record<symbol, unknown>;
    const root = this.root as unknown as Record<symbol, unknown>;
    for (const symbol of SETTINGS) if (own[symbol] !== root[symbol]) return false;
    const [ownFormat, rootFormat] = [own[formattersSym] as Formatters, root[formattersSym] as Formatters];
    if (ownFormat.log !== rootFormat.log || ownFormat.level !== rootFormat.level) return false;
    this.shared = logger;
    return true;
  }
}

/** A context's fields as its lines were written, and what they were made from. */
interface KeptFields {
  requestId: unknown;
  trace: unknown;
  fields: unknown;
  /** The active span's fields (one object per span in a context: active-span.ts), or undefined outside a span. */
  span: unknown;
  text: string;
}

/**
 * The context's fields as a line of Nest's Logger writes them (`fieldsText`), or undefined when one is neither a
 * string nor a number (the root's serializers, `err` only, name none of them, but pino would write others its own
 * way). Made by a context's first line and kept in its store while its id, trace and fields are the same objects: a
 * job's lines all carry the same six fields. With an OpenTelemetry span, kept for that span: each line names the span
 * active where it is written.
 */
function contextText(store: Record<symbol, unknown> | undefined, span: SpanFields | undefined): string | undefined {
  const keep = store !== undefined;
  if (keep) {
    const kept = store[LINE_FIELDS_KEY] as KeptFields | undefined;
    if (kept && kept.span === span && kept.requestId === store[CLS_ID] && kept.trace === store[TRACE_CONTEXT_KEY] && kept.fields === store[LOG_FIELDS_KEY]) return kept.text;
  }
  const fields = contextFields(store, span, CONTEXT_LINE);
  for (const key in fields) {
    const type = typeof fields[key];
    if (type !== 'string' && type !== 'number') return undefined;
  }
  const text = fieldsText(fields as FixedFields);
  if (keep) store[LINE_FIELDS_KEY] = { requestId: store[CLS_ID], trace: store[TRACE_CONTEXT_KEY], fields: store[LOG_FIELDS_KEY], span, text } satisfies KeptFields;
  return text;
}
