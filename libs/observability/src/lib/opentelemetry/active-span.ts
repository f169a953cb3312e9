/** The fields OpenTelemetry's log correlation names, for the span active where a line is written. */
export interface SpanFields {
  trace_id: string;
  span_id: string;
  /** W3C trace flags as two hex digits ("01": sampled). */
  trace_flags: string;
}

/** Reads the active span's fields; undefined when no span is active (or no SDK is registered). */
export type ActiveSpanReader = () => SpanFields | undefined;

/** What the reader needs of `@opentelemetry/api` (a structural type: the package is an optional peer). */
interface OpenTelemetryApi {
  trace: {
    getActiveSpan(): { spanContext(): { traceId: string; spanId: string; traceFlags: number } } | undefined;
    isSpanContextValid(context: { traceId: string; spanId: string; traceFlags: number }): boolean;
  };
}

/**
 * `@opentelemetry/api` is an optional peer: when it can be loaded, log lines written inside an active span carry
 * that span's ids; without it, or without an SDK registered by the app (the API's no-op tracer makes no valid span),
 * nothing changes. The API keeps its state in one global, so the CommonJS and ES module copies agree.
 */
export async function loadActiveSpanReader(importApi: () => Promise<unknown> = () => import('@opentelemetry/api')): Promise<ActiveSpanReader | undefined> {
  let api: OpenTelemetryApi;
  try {
    const module = (await importApi()) as OpenTelemetryApi & { default?: OpenTelemetryApi };
    api = module.trace ? module : module.default!;
    if (typeof api?.trace?.getActiveSpan !== 'function') return undefined;
  } catch {
    return undefined;
  }
  return () => {
    const span = api.trace.getActiveSpan();
    if (!span) return undefined;
    const context = span.spanContext();
    if (!api.trace.isSpanContextValid(context)) return undefined;
    return { trace_id: context.traceId, span_id: context.spanId, trace_flags: context.traceFlags.toString(16).padStart(2, '0') };
  };
}
