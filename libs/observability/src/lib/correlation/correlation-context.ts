import { CLS_ID, ClsServiceManager, type ClsStore } from 'nestjs-cls';
import { generateRequestId, isValidRequestId } from './request-id.js';
import type { TraceContext } from './traceparent.js';

// The module's CLS keys are symbols, like nestjs-cls's own CLS_ID: they cannot collide with an app's string keys,
// and nestjs-cls reads and writes symbol keys directly (string keys go through its dotted-path lookup).

/** CLS key of the parsed `traceparent` (the request id itself lives under nestjs-cls's `CLS_ID`). */
export const TRACE_CONTEXT_KEY = Symbol.for('observability:trace');
/** CLS key that says where the context came from: 'http', 'job', or the kind of a non-HTTP execution context. */
export const CONTEXT_SOURCE_KEY = Symbol.for('observability:source');
/** CLS key of extra fields every log line of the context carries (a job's job_id, queue, job_name, attempt). */
export const LOG_FIELDS_KEY = Symbol.for('observability:log-fields');
/** CLS key of the HTTP request's record (http/request-record.ts), so work started inside it can name its route. */
export const REQUEST_RECORD_KEY = Symbol.for('observability:request-record');
/**
 * CLS key of the request id as the module validated or made it (request-id.ts's rules): a reader that finds the same
 * string under `CLS_ID` knows its characters without reading them again (the SQL comment's encoding). Kept beside
 * the id, not as a flag, so an id set later by other code is never taken for a checked one.
 */
export const CHECKED_ID_KEY = Symbol.for('observability:checked-id');

export interface CorrelationSnapshot {
  requestId: string;
  traceId?: string;
  traceparent?: string;
  tracestate?: string;
  source?: string;
  fields?: Record<string, unknown>;
}

/** The correlation of the current async context, or undefined outside one. Never throws. */
export function currentCorrelation(): CorrelationSnapshot | undefined {
  return correlationOf(currentStore());
}

/** The current CLS store (`cls.get()`), or undefined outside a context: for hot paths that read a key or two. */
export function currentStore(): Record<symbol, unknown> | undefined {
  return ClsServiceManager.getClsService().get();
}

/** The correlation held by a CLS store (`cls.get()`): read once, where each `cls.get(key)` would look the store up again. */
export function correlationOf(store: Record<symbol, unknown> | undefined): CorrelationSnapshot | undefined {
  const requestId = store?.[CLS_ID] as string | undefined;
  if (!requestId) return undefined;
  const trace = store![TRACE_CONTEXT_KEY] as TraceContext | undefined;
  return {
    requestId,
    traceId: trace?.traceId,
    traceparent: trace?.traceparent,
    tracestate: trace?.tracestate,
    source: store![CONTEXT_SOURCE_KEY] as string | undefined,
    fields: store![LOG_FIELDS_KEY] as Record<string, unknown> | undefined,
  };
}

/** The current request id, for code outside Nest's DI (plain functions, library callbacks). */
export function getRequestId(): string | undefined {
  const cls = ClsServiceManager.getClsService();
  return cls.isActive() ? cls.getId() : undefined;
}

/** CLS key of the context's SQL comment, made by its first statement and kept for the rest (database/commenting-client.ts). */
export const SQL_COMMENT_KEY = Symbol('observability:sql-comment');
/** CLS key of the context's fields as its lines of Nest's Logger write them, made by the first (logging/nest-lines.ts). */
export const LINE_FIELDS_KEY = Symbol('observability:line-fields');
/** CLS key of the OpenTelemetry span the context's last line or statement read, with its fields (opentelemetry/active-span.ts). */
export const SPAN_FIELDS_KEY = Symbol('observability:span-fields');

/**
 * A store of the module's: every key it ever sets is there from the start (undefined until known), so a store never
 * changes shape after it is made: a key added later costs V8 a map transition in every context, from code that sees
 * stores of several shapes. A class rather than a literal: computed keys in a literal are defined one by one.
 */
class ModuleStore {
  constructor(id: string | undefined, source: string, record: unknown, trace: TraceContext | undefined, fields: object | undefined) {
    const store = this as unknown as Record<symbol, unknown>;
    store[CLS_ID] = id;
    store[CHECKED_ID_KEY] = id;
    store[CONTEXT_SOURCE_KEY] = source;
    store[REQUEST_RECORD_KEY] = record;
    store[TRACE_CONTEXT_KEY] = trace;
    store[LOG_FIELDS_KEY] = fields;
    store[SQL_COMMENT_KEY] = undefined;
    store[LINE_FIELDS_KEY] = undefined;
    store[SPAN_FIELDS_KEY] = undefined;
  }
}

/**
 * A CLS store of the module's making, built in one piece (cheaper than entering an empty store and setting keys):
 * `id` was validated or made by the module (request-id.ts), so it is kept as the checked id too; `record` is an HTTP
 * request's record, `trace` its parsed traceparent, `fields` the extra log fields of a job.
 */
export function contextStore(id: string | undefined, source: string, record?: unknown, trace?: TraceContext, fields?: object): ClsStore {
  return new ModuleStore(id, source, record, trace, fields) as unknown as ClsStore;
}

/**
 * Runs `fn` in a new correlation context with `requestId` (validated: an invalid one is replaced), for work that
 * starts outside a request: scripts, cron ticks, message consumers.
 */
export function runWithRequestId<T>(requestId: string | undefined, fn: () => T, source = 'manual'): T {
  const id = isValidRequestId(requestId) ? requestId : generateRequestId();
  return ClsServiceManager.getClsService().runWith(contextStore(id, source), fn);
}
