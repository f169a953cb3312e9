import pino, { type Logger } from 'pino';

export interface AccessLine {
  request_id?: string;
  trace_id?: string;
  method: string;
  route: string;
  path: string;
  status_code: number;
  duration_ms: number;
}

interface PinoInternals {
  [key: symbol]: unknown;
}

/**
 * Writes the access line straight to the logger's destination, in exactly the shape pino gives it
 * (`{"level":30,"time":…,"service":…,"pid":…,"hostname":…,<fields>,"msg":"request completed"}`), at about a third
 * of the cost of `logger.info()`: the fields are fixed, none secret, so pino's mixin, redaction and serializer
 * passes have nothing to do (docs/performance.md). Returns false when the logger is not a plain pino logger
 * (the caller then uses `logger.info()`).
 */
export function writeAccessLine(logger: Logger, line: AccessLine): boolean {
  const internals = logger as unknown as PinoInternals;
  const stream = internals[pino.symbols.streamSym] as { write(chunk: string): unknown } | undefined;
  const bindings = internals[pino.symbols.chindingsSym];
  if (!stream || typeof stream.write !== 'function' || typeof bindings !== 'string') return false;
  if (!logger.isLevelEnabled('info')) return true;
  let out = `{"level":30,"time":${Date.now()}${bindings}`;
  if (line.request_id !== undefined) out += `,"request_id":${JSON.stringify(line.request_id)}`;
  if (line.trace_id !== undefined) out += `,"trace_id":${JSON.stringify(line.trace_id)}`;
  out += `,"method":${JSON.stringify(line.method)},"route":${JSON.stringify(line.route)},"path":${JSON.stringify(line.path)}`;
  out += `,"status_code":${line.status_code},"duration_ms":${line.duration_ms},"msg":"request completed"}\n`;
  stream.write(out);
  return true;
}
