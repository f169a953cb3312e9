/** The `method` label of a method outside the known ones. */
export const OTHER_METHOD = 'OTHER';

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']);

/** Bounded `method` label (metrics and access lines): a made-up method from a client must not make a new series. */
export function methodLabel(method: string | undefined): string {
  // Node gives the method upper-case: no new string for the usual case.
  if (method !== undefined && KNOWN_METHODS.has(method)) return method;
  const upper = (method ?? '').toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : OTHER_METHOD;
}
