import { hostname } from 'node:os';
import pino, { type Logger } from 'pino';
import { CLS_ID } from 'nestjs-cls';
import { currentStore, LOG_FIELDS_KEY, TRACE_CONTEXT_KEY } from '../correlation/correlation-context.js';
import type { TraceContext } from '../correlation/traceparent.js';
import type { InternalErrors } from '../core/internal-errors.js';
import type { ActiveSpanReader, SpanFields } from '../opentelemetry/active-span.js';
import type { ResolvedOptions } from '../options/resolve-options.js';
import { CENSOR, redactDefaultPaths, redactInterpolated, redactNestedHeaders } from './default-redaction.js';
import { errorFields } from './error-fields.js';
import { keepStackInErr } from './stack-in-context.js';
import { stdoutDestination } from './stdout-destination.js';

/**
 * The module's pino logger: JSON lines with `service`, and `request_id`/`trace_id` taken from the CLS context
 * on every line written inside one (the CLS context is the one source of truth for the id).
 */
export function createPinoLogger(options: ResolvedOptions, internal: InternalErrors, activeSpan?: ActiveSpanReader): Logger {
  const { logging, serviceName } = options;
  const asFields = (error: Error) => errorFields(error, (fault) => internal.record('logging', fault));
  return pino(
    {
      level: logging.enabled ? logging.level : 'silent',
      base: { service: serviceName, pid: process.pid, hostname: hostname() },
      messageKey: 'msg',
      // The default paths are redacted by the formatter below; pino's redaction only runs for the user's paths.
      ...(logging.redact.length > 0 ? { redact: { paths: logging.redact, censor: CENSOR } } : {}),
      formatters: {
        log(fields) {
          try {
            return redactDefaultPaths(fields, 'err', asFields);
          } catch (error) {
            // A field that cannot be read cannot be checked: the line keeps its message, not its fields.
            internal.record('logging', error);
            return {};
          }
        },
      },
      // Error objects get type, message, stack and their fields made safe; a plain { type, message } (4xx, no stack) is
      // kept as given.
      serializers: { err: (value: unknown) => (value instanceof Error ? asFields(value) : redactNestedHeaders(value)) },
      hooks: {
        logMethod(args, method) {
          let fixed: unknown[] = args;
          try {
            fixed = redactInterpolated(keepStackInErr(args), asFields);
          } catch (error) {
            internal.record('logging', error);
          }
          return method.apply(this, fixed as Parameters<typeof method>);
        },
      },
      mixin(mergeObject: object) {
        try {
          const store = currentStore();
          return contextFields(store, activeSpan?.(store), mergeObject);
        } catch (error) {
          internal.record('logging', error);
          return {};
        }
      },
    },
    // Synchronous writes to stdout, one per event-loop turn (stdout-destination.ts): a log reader slower than the app
    // slows the app instead of growing an unbounded buffer, and no thread-pool round trip or syscall per line.
    logging.destination ?? stdoutDestination((error) => internal.record('logging', error)),
  );
}

/**
 * The fields a line gets from its context: `request_id`, the trace's ids and the context's extra fields (a job's),
 * each unless the line has its own. With an OpenTelemetry SDK the active span's trace is the trace: its ids win over
 * the incoming header's. Read from the store itself, once per line: no snapshot object or entry arrays (this runs
 * for every line written inside a request or job).
 */
export function contextFields(store: Record<symbol, unknown> | undefined, span: SpanFields | undefined, line: object): Record<string, unknown> {
  const requestId = store?.[CLS_ID] as string | undefined;
  const fields: Record<string, unknown> = {};
  if (!requestId && !span) return fields;
  if (requestId && !('request_id' in line)) fields.request_id = requestId;
  if (span) {
    for (const key of SPAN_KEYS) if (!(key in line)) fields[key] = span[key];
  } else {
    const traceId = (store?.[TRACE_CONTEXT_KEY] as TraceContext | undefined)?.traceId;
    if (traceId && !('trace_id' in line)) fields.trace_id = traceId;
  }
  const extra = requestId ? (store![LOG_FIELDS_KEY] as Record<string, unknown> | undefined) : undefined;
  if (extra) for (const key in extra) if (Object.prototype.hasOwnProperty.call(extra, key) && !(key in line)) fields[key] = extra[key];
  return fields;
}

const SPAN_KEYS = ['trace_id', 'span_id', 'trace_flags'] as const;
