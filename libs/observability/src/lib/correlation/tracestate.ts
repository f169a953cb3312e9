/**
 * W3C Trace Context `tracestate`: vendor entries that travel beside `traceparent`, parsed and bounded as the
 * specification says (Level 1, "tracestate Header Field Values"). Invalid members are dropped, never the request:
 * at most 32 members, keys and values by the specification's grammar, each key once (the left-most, newest, wins),
 * and at most 512 characters, made by dropping members over 128 characters first, then members from the right.
 */
const SIMPLE_KEY = /^[a-z][a-z0-9_\-*/]{0,255}$/;
const TENANT_KEY = /^[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13}$/;
/** 1 to 256 printable ASCII characters but `,` and `=`, not ending in a space. */
const VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;
const OWS = /^[ \t]+|[ \t]+$/g;
const MAX_MEMBERS = 32;
const MAX_LENGTH = 512;
const LARGE_MEMBER = 128;

/**
 * The normalised `tracestate` (members joined by `,`, no whitespace), or undefined when nothing valid is left.
 * Several header lines are one list, in order (Node joins them with `, `).
 */
export function parseTracestate(raw: string | string[] | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const text = Array.isArray(raw) ? raw.join(',') : raw;
  if (typeof text !== 'string') return undefined;
  const members: string[] = [];
  const keys = new Set<string>();
  for (const part of text.split(',')) {
    const member = part.replace(OWS, '');
    if (member === '') continue;
    const equals = member.indexOf('=');
    if (equals <= 0) continue;
    const key = member.slice(0, equals);
    const value = member.slice(equals + 1);
    if (!(SIMPLE_KEY.test(key) || TENANT_KEY.test(key)) || !VALUE.test(value) || keys.has(key)) continue;
    keys.add(key);
    members.push(member);
    if (members.length === MAX_MEMBERS) break;
  }
  const bounded = withinLength(members);
  return bounded.length > 0 ? bounded.join(',') : undefined;
}

function withinLength(members: string[]): string[] {
  const length = (list: string[]) => list.reduce((sum, m) => sum + m.length, 0) + Math.max(0, list.length - 1);
  const kept = [...members];
  // Members over 128 characters go first, right-most first; then members from the right.
  for (let i = kept.length - 1; i >= 0 && length(kept) > MAX_LENGTH; i--) if (kept[i].length > LARGE_MEMBER) kept.splice(i, 1);
  while (length(kept) > MAX_LENGTH) kept.pop();
  return kept;
}
