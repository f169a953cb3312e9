/** OpenMetrics caps an exemplar's label names plus values at 128 characters. */
const MAX_EXEMPLAR_RUNES = 128;

/** Exemplar labels for a request: `request_id`, plus `trace_id` when known and when both fit the limit. */
export function exemplarLabels(requestId: string | undefined, traceId?: string): Record<string, string> {
  if (!requestId) return {};
  const base = 'request_id'.length + requestId.length;
  if (base > MAX_EXEMPLAR_RUNES) return {};
  if (traceId && base + 'trace_id'.length + traceId.length <= MAX_EXEMPLAR_RUNES) {
    return { request_id: requestId, trace_id: traceId };
  }
  return { request_id: requestId };
}
