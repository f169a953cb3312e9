import { isObject } from '../core/is-object.js';

/** What a redacted value is written as, as pino's redaction writes it. */
export const CENSOR = '[Redacted]';

/** How a line writes an Error found among its fields (error-fields.ts `errorFields`, with the logger's fault counting). */
export type ErrorWriter = (error: Error) => Record<string, unknown>;

/** Header values that must never reach a log line, wherever a user logs a request or response object. */
const SECRET_HEADERS = ['authorization', 'cookie', 'set-cookie'];
const SECRET_NAMES = new Set(SECRET_HEADERS);

/**
 * Whether a field or header is a secret header, in any letter case: HTTP's header names are case-insensitive, and
 * HTTP clients keep them as the app wrote them (`Authorization`). Nearly every key a line has (`request_id`,
 * `job_id`, ...) is ruled out by its length and first letter, before any lower-casing.
 */
export function isSecretHeader(name: string): boolean {
  const { length } = name;
  if (length !== 13 && length !== 6 && length !== 10) return false;
  const first = name.charCodeAt(0) | 0x20; // a, c or s in either case
  return (first === 0x61 || first === 0x63 || first === 0x73) && (SECRET_NAMES.has(name) || SECRET_NAMES.has(name.toLowerCase()));
}

/**
 * The default redaction, as pino's paths would say it: `authorization`, `cookie`, `["set-cookie"]`, the same under
 * `headers.` and under `*.headers.`, each name in any letter case. Applied in one pass over the line's fields
 * (pino's wildcard path redacts by calling its redactor once per field of every line: 4 µs per line with seven
 * fields, docs/performance.md).
 * Returns `fields` itself when nothing is secret, else a copy: the caller's objects are never changed.
 * `skip` is left to its serializer (pino's `err`: an Error copied here would lose its message and stack); an Error
 * under any other field is written by `asFields`, as `err` is (JSON alone would write axios's `config.headers`).
 */
export function redactDefaultPaths(fields: Record<string, unknown>, skip?: string, asFields?: ErrorWriter): Record<string, unknown> {
  let out = fields;
  for (const key in fields) {
    if (key === skip || !Object.prototype.hasOwnProperty.call(fields, key) || fields[key] === undefined) continue;
    const value = fields[key];
    let redacted: unknown;
    if (isSecretHeader(key)) redacted = CENSOR;
    else if (asFields && value instanceof Error) redacted = asFields(value);
    else {
      redacted = redactNestedHeaders(value);
      // `headers.authorization` and the wildcard's `headers.headers.authorization` both start at `headers`.
      if (key === 'headers') redacted = censorSecrets(redacted);
    }
    if (redacted === value) continue;
    if (out === fields) out = { ...fields };
    out[key] = redacted;
  }
  return out;
}

/** `value.headers` with its secret headers censored (pino's `*.headers.authorization`), or `value` itself. */
export function redactNestedHeaders(value: unknown): unknown {
  if (!isObject(value) || !('headers' in value)) return value;
  const headers = value.headers;
  const censored = censorSecrets(headers);
  return censored === headers ? value : { ...value, headers: censored };
}

/**
 * A copy of `object` with every secret header it holds censored (in lower case even as undefined or inherited, as
 * pino's paths did; in any other case when enumerable), or `object` itself.
 */
function censorSecrets(object: unknown): unknown {
  if (!isObject(object)) return object;
  let out: Record<string, unknown> | undefined;
  const censor = (name: string) => {
    out ??= Array.isArray(object) ? (Object.assign([], object) as unknown as Record<string, unknown>) : { ...object };
    out[name] = CENSOR;
  };
  for (const name of SECRET_HEADERS) if (name in object) censor(name);
  for (const name in object) if (isSecretHeader(name) && !SECRET_NAMES.has(name)) censor(name);
  return out ?? object;
}

/**
 * A log call's arguments with the objects interpolated into its message (`%j`, `%o`, `%O`) redacted by default, and
 * an Error among them written by `asFields`.
 */
export function redactInterpolated(args: unknown[], asFields?: ErrorWriter): unknown[] {
  const first = typeof args[0] === 'string' ? 1 : 2;
  if (args.length <= first) return args;
  return args.map((arg, i) => {
    if (i < first || !isObject(arg)) return arg;
    if (arg instanceof Error) return asFields ? asFields(arg) : arg;
    return redactDefaultPaths(arg, undefined, asFields);
  });
}
