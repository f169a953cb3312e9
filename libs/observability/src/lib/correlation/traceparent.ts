/**
 * W3C Trace Context `traceparent`: version-traceid-parentid-flags in lower-case hex, parsed as the specification
 * says a receiver must (Level 1, "traceparent Header Field Values"). A version above 00 (all but `ff`) is read by its
 * version-00 fields: 55 characters, then either the end or a `-` and whatever a later version adds.
 */
const VERSION_00_FIELDS = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_PARENT_ID = '0'.repeat(16);
const VERSION_00_LENGTH = 55;
/** Longer values (a future version's extra fields) are not forwarded: they would only swell comments and jobs. */
const MAX_FORWARDED_LENGTH = 512;
/** What a later version may add after the version-00 fields: visible ASCII only (it reaches logs and comments). */
const LATER_FIELDS = /^-[\x21-\x7e]*$/;
/** HTTP's optional whitespace around a field value: spaces and tabs, nothing else. */
const OWS = /^[ \t]+|[ \t]+$/g;

export interface TraceContext {
  traceId: string;
  parentId: string;
  flags: string;
  /** The header as received, less surrounding whitespace: forwarded unchanged (no parent id of ours is invented). */
  traceparent: string;
  /** The validated `tracestate` that travels with it, when there was one. */
  tracestate?: string;
}

/** Parses a `traceparent` header; an invalid one (or several) gives undefined, and the request goes on without. */
export function parseTraceparent(raw: string | string[] | undefined): TraceContext | undefined {
  if (typeof raw !== 'string') return undefined;
  const value = raw.replace(OWS, '');
  if (value.length < VERSION_00_LENGTH || value.length > MAX_FORWARDED_LENGTH) return undefined;
  const match = VERSION_00_FIELDS.exec(value.slice(0, VERSION_00_LENGTH));
  if (!match) return undefined;
  const [, version, traceId, parentId, flags] = match;
  if (version === 'ff') return undefined;
  // Version 00 has exactly these fields; a later version may add fields, each after a dash.
  if (value.length > VERSION_00_LENGTH && (version === '00' || !LATER_FIELDS.test(value.slice(VERSION_00_LENGTH)))) return undefined;
  if (traceId === ZERO_TRACE_ID || parentId === ZERO_PARENT_ID) return undefined;
  return { traceId, parentId, flags, traceparent: value };
}
