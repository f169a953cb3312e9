import pino, { type Logger } from 'pino';

/** Fields of a line the module writes itself: flat, in order, none secret. */
export type FixedFields = Record<string, string | number | undefined>;

interface PinoInternals {
  [key: symbol]: unknown;
}

/**
 * Writes an info line of the module's own (the access line, `job completed`) straight to the logger's destination,
 * in exactly the shape `logger.info(fields, msg)` gives it (`{"level":30,"time":…,"service":…,"pid":…,
 * "hostname":…,<fields>,"msg":…}`, undefined fields left out), at a fraction of the cost: with flat fields that
 * hold nothing secret, pino's mixin, redaction and serializer passes have nothing to do (docs/performance.md).
 * Returns false when the logger is not a plain pino logger; the caller then uses `logger.info()`.
 */
export function writeInfoLine(logger: Logger, fields: FixedFields, msg: string): boolean {
  const internals = logger as unknown as PinoInternals;
  const stream = internals[pino.symbols.streamSym] as { write(chunk: string): unknown } | undefined;
  const bindings = internals[pino.symbols.chindingsSym];
  if (!stream || typeof stream.write !== 'function' || typeof bindings !== 'string') return false;
  if (!logger.isLevelEnabled('info')) return true;
  let out = `{"level":30,"time":${Date.now()}${bindings}`;
  for (const key in fields) {
    const value = fields[key];
    if (value === undefined) continue;
    out += `${keyPrefix(key)}${typeof value === 'number' ? (Number.isFinite(value) ? value : 'null') : jsonString(value)}`;
  }
  stream.write(`${out},"msg":${jsonString(msg)}}\n`);
  return true;
}

/** `,"key":` per key, built once: the keys of the module's lines are a handful of constants. */
const keyPrefixes = new Map<string, string>();
function keyPrefix(key: string): string {
  let prefix = keyPrefixes.get(key);
  if (prefix === undefined) {
    prefix = `,${JSON.stringify(key)}:`;
    if (keyPrefixes.size < 64) keyPrefixes.set(key, prefix);
  }
  return prefix;
}

/** Printable ASCII without `"` and `\\`: quoted as it is, which is what JSON.stringify would write. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const jsonString = (value: string) => (PLAIN.test(value) ? `"${value}"` : JSON.stringify(value));
