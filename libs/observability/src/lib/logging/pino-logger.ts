import { hostname } from 'node:os';
import pino, { type Logger } from 'pino';
import { currentCorrelation } from '../correlation/correlation-context.js';
import type { InternalErrors } from '../core/internal-errors.js';
import type { ActiveSpanReader } from '../opentelemetry/active-span.js';
import type { ResolvedOptions } from '../options/resolve-options.js';
import { CENSOR, redactDefaultPaths, redactInterpolated, redactNestedHeaders } from './default-redaction.js';
import { keepStackInErr } from './stack-in-context.js';
import { stdoutDestination } from './stdout-destination.js';

/**
 * The module's pino logger: JSON lines with `service`, and `request_id`/`trace_id` taken from the CLS context
 * on every line written inside one (the CLS context is the one source of truth for the id).
 */
export function createPinoLogger(options: ResolvedOptions, internal: InternalErrors, activeSpan?: ActiveSpanReader): Logger {
  const { logging, serviceName } = options;
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
            return redactDefaultPaths(fields, 'err');
          } catch (error) {
            // A field that cannot be read cannot be checked: the line keeps its message, not its fields.
            internal.record('logging', error);
            return {};
          }
        },
      },
      // Error objects get type, message and stack; a plain { type, message } (4xx, no stack) is kept as given.
      serializers: { err: (value: unknown) => redactNestedHeaders(value instanceof Error ? pino.stdSerializers.err(value) : value) },
      hooks: {
        logMethod(args, method) {
          let fixed: unknown[] = args;
          try {
            fixed = redactInterpolated(keepStackInErr(args));
          } catch (error) {
            internal.record('logging', error);
          }
          return method.apply(this, fixed as Parameters<typeof method>);
        },
      },
      mixin(mergeObject: object) {
        try {
          const correlation = currentCorrelation();
          // With an OpenTelemetry SDK, the active span's trace is the trace: its ids win over the incoming header's.
          const span = activeSpan?.();
          if (!correlation && !span) return {};
          const fields: Record<string, unknown> = {};
          if (correlation && !('request_id' in mergeObject)) fields.request_id = correlation.requestId;
          if (span) {
            for (const key of ['trace_id', 'span_id', 'trace_flags'] as const) if (!(key in mergeObject)) fields[key] = span[key];
          } else if (correlation?.traceId && !('trace_id' in mergeObject)) fields.trace_id = correlation.traceId;
          if (correlation?.fields) {
            for (const [key, value] of Object.entries(correlation.fields)) if (!(key in mergeObject)) fields[key] = value;
          }
          return fields;
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
