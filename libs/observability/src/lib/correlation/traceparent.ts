/** W3C Trace Context `traceparent`, version 00: version-traceid-parentid-flags, lower-case hex. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_PARENT_ID = '0'.repeat(16);

export interface TraceContext {
  traceId: string;
  parentId: string;
  flags: string;
  /** The header value itself, safe to forward since it matched the grammar. */
  traceparent: string;
}

/** Parses a `traceparent` header; anything that is not a valid version-00 value gives undefined and is ignored. */
export function parseTraceparent(raw: string | string[] | undefined): TraceContext | undefined {
  if (typeof raw !== 'string') return undefined;
  const value = raw.trim();
  const match = TRACEPARENT.exec(value);
  if (!match) return undefined;
  const [, traceId, parentId, flags] = match;
  if (traceId === ZERO_TRACE_ID || parentId === ZERO_PARENT_ID) return undefined;
  return { traceId, parentId, flags, traceparent: value };
}
