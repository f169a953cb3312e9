import { SPAN_FIELDS_KEY } from '../correlation/correlation-context.js';

/**
 * The fields OpenTelemetry's log correlation names, for the span active where a line is written. Read-only: one
 * object is handed to every reader of its span.
 */
export interface SpanFields {
  readonly trace_id: string;
  readonly span_id: string;
  /** W3C trace flags as two hex digits ("01": sampled). */
  readonly trace_flags: string;
}

/**
 * Reads the active span's fields; undefined when no span is active (or no SDK is registered). Given the context's CLS
 * store, the span's fields are kept there: the context's next reads of the same span return the same object.
 */
export type ActiveSpanReader = (store?: Record<symbol, unknown>) => SpanFields | undefined;

/** A remote parent: the span that enqueued a job, as its traceparent named it. */
export interface RemoteParent {
  traceId: string;
  parentId: string;
  flags: string;
}

/** What the module uses of OpenTelemetry, when the app has it. */
export interface OpenTelemetryBridge {
  activeSpan: ActiveSpanReader;
  /** Runs `fn` with `parent` as the active (remote) span context, so spans made inside continue its trace. */
  runWithParent<T>(parent: RemoteParent, fn: () => T): T;
}

/** A span as a context's store keeps it (SPAN_FIELDS_KEY): its context object, its flags then, and its fields. */
interface KeptSpan {
  context: SpanContextLike;
  flags: number;
  fields: SpanFields;
}

/** What the reader needs of `@opentelemetry/api` (a structural type: the package is an optional peer). */
interface SpanContextLike {
  traceId: string;
  spanId: string;
  traceFlags: number;
  isRemote?: boolean;
}
interface OpenTelemetryApi {
  trace: {
    getSpan(context: unknown): { spanContext(): SpanContextLike } | undefined;
    isSpanContextValid(context: SpanContextLike): boolean;
    setSpanContext(context: unknown, spanContext: SpanContextLike): unknown;
  };
  context: { active(): unknown; with<T>(context: unknown, fn: () => T): T };
  ROOT_CONTEXT: unknown;
}

/**
 * `@opentelemetry/api` is an optional peer: when it can be loaded, log lines written inside an active span carry
 * that span's ids; without it, or without an SDK registered by the app (the API's no-op tracer makes no valid span),
 * nothing changes. The API keeps its state in one global, so the CommonJS and ES module copies agree.
 */
export async function loadOpenTelemetry(importApi: () => Promise<unknown> = () => import('@opentelemetry/api')): Promise<OpenTelemetryBridge | undefined> {
  let api: OpenTelemetryApi;
  try {
    const module = (await importApi()) as OpenTelemetryApi & { default?: OpenTelemetryApi };
    api = module.trace ? module : module.default!;
    if (typeof api?.trace?.getSpan !== 'function' || typeof api.context?.with !== 'function') return undefined;
  } catch {
    return undefined;
  }
  const root = api.ROOT_CONTEXT;
  return {
    activeSpan: (store) => {
      const active = api.context.active();
      // The empty context holds no span: what every call finds without an SDK (this runs per statement and line).
      if (active === root) return undefined;
      const span = api.trace.getSpan(active);
      if (!span) return undefined;
      const context = span.spanContext();
      // A context's lines and statements read the same span again and again, and checking its ids is most of a read
      // (docs/performance-log.md, "Thirty-ninth look"): the span read last in the context is kept in its store, and
      // holds while its context is the same object with the same ids. Per context: requests' reads interleave.
      const kept = store?.[SPAN_FIELDS_KEY] as KeptSpan | undefined;
      if (kept !== undefined && kept.context === context && kept.flags === context.traceFlags && kept.fields.trace_id === context.traceId && kept.fields.span_id === context.spanId) {
        return kept.fields;
      }
      if (!api.trace.isSpanContextValid(context)) return undefined;
      const fields = { trace_id: context.traceId, span_id: context.spanId, trace_flags: context.traceFlags.toString(16).padStart(2, '0') };
      if (store !== undefined) store[SPAN_FIELDS_KEY] = { context, flags: context.traceFlags, fields } satisfies KeptSpan;
      return fields;
    },
    runWithParent: (parent, fn) => {
      let withParent: unknown;
      try {
        const spanContext = { traceId: parent.traceId, spanId: parent.parentId, traceFlags: Number.parseInt(parent.flags, 16) & 0xff, isRemote: true };
        withParent = api.trace.setSpanContext(api.context.active(), spanContext);
      } catch {
        // Tracing must never stop the job: without its parent, it still runs.
        return fn();
      }
      return api.context.with(withParent, fn);
    },
  };
}

/** The traceparent of the active span, to hand on (a job enqueued inside it continues from it). */
export function traceparentOf(span: SpanFields): string {
  return `00-${span.trace_id}-${span.span_id}-${span.trace_flags}`;
}
