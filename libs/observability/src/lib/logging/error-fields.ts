import { EventEmitter } from 'node:events';
import pino from 'pino';
import { isObject } from '../core/is-object.js';
import { CENSOR, isSecretHeader } from './default-redaction.js';

/**
 * Levels of an error's fields that are written; deeper objects become `[Object]` / `[Array]`, as pino's own depth
 * limit writes them, so that nothing below the walk is ever printed unredacted, whatever pino's limit.
 */
const MAX_DEPTH = 6;

/**
 * An Error as a line writes it: pino's serialization (type, message and stack with their causes, own fields), made safe
 * for what HTTP clients hang on their errors (axios: `config`, `request`, `response`). A secret header is censored
 * under any field at any depth (`err.config.headers.Authorization`, `err.response.headers["set-cookie"]`), and a live
 * object (a request, response, socket or agent: any EventEmitter) is written as its class name, `[ClientRequest]`,
 * not as its internals: a ClientRequest keeps the raw header text it sent, `Authorization: Bearer …` included.
 * The error itself is never changed. Never throws: an error whose fields cannot be read (a getter that throws) is
 * written as its type, message and stack, and `onFault` is told.
 */
export function errorFields(error: Error, onFault: (fault: unknown) => void): Record<string, unknown> {
  try {
    return scrub(pino.stdSerializers.err(error), 0, new Map()) as Record<string, unknown>;
  } catch (fault) {
    onFault(fault);
    return errorSummary(error);
  }
}

/** What is left to write of an error whose fields cannot be read; never throws, so the line is still written. */
function errorSummary(error: Error): Record<string, unknown> {
  try {
    return { type: error.constructor?.name ?? 'Error', message: String(error.message), stack: error.stack };
  } catch {
    return { type: 'Error', message: '[unreadable error]' };
  }
}

/**
 * A copy of `value` as JSON would write it, secrets censored and live objects named; cycles stay cycles. `toJSON` is
 * called once per value, as JSON does (`viaJson`: this is its result).
 */
function scrub(value: unknown, depth: number, seen: Map<object, unknown>, viaJson = false): unknown {
  if (!isObject(value)) return value;
  if (value instanceof EventEmitter) return `[${value.constructor?.name || 'EventEmitter'}]`;
  const known = seen.get(value);
  if (known !== undefined) return known;
  if (!viaJson && typeof value.toJSON === 'function') {
    // Dates, URLs, Buffers, axios's errors and AxiosHeaders write themselves so; a header object must still be checked.
    return scrub(value.toJSON(), depth, seen, true);
  }
  if (depth >= MAX_DEPTH) return Array.isArray(value) ? '[Array]' : '[Object]';
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    seen.set(value, items);
    for (const item of value) items.push(scrub(item, depth + 1, seen));
    return items;
  }
  const copy: Record<string, unknown> = {};
  seen.set(value, copy);
  for (const key of Object.keys(value)) copy[key] = isSecretHeader(key) ? CENSOR : scrub(value[key], depth + 1, seen);
  return copy;
}
