import { createRequire } from 'node:module';
import { CLS_ID, ClsServiceManager } from 'nestjs-cls';
import { UNMATCHED_ROUTE } from '../core/constants.js';
import type { Client as PgClient } from 'pg';
import { CHECKED_ID_KEY, CONTEXT_SOURCE_KEY, LOG_FIELDS_KEY, REQUEST_RECORD_KEY, SQL_COMMENT_KEY, TRACE_CONTEXT_KEY } from '../correlation/correlation-context.js';
import type { TraceContext } from '../correlation/traceparent.js';
import type { RequestRecord } from '../http/request-record.js';
import { recordRouteTemplate } from '../http/route-template.js';
import { queryCommentsFlag } from '../options/resolve-options.js';
import { type SpanFields, traceparentOf } from '../opentelemetry/active-span.js';
import { sqlCommentSettings, type SqlCommentSettings } from './sql-comment-settings.js';
import { addComment, serializeSqlComment, type SqlTags } from './sqlcommenter.js';

export interface SqlCommentingClientOptions {
  /** `application` key; default: the module's `serviceName`. */
  application?: string;
  /** Fixed extra key `source`, e.g. 'migration' for a migration script. */
  source?: string;
  /** Put the comment first, for servers that keep `track_activity_query_size` small. Default: the module's setting. */
  prepend?: boolean;
}

type PgClientClass = typeof PgClient;

/**
 * A `pg.Client` subclass that adds a sqlcommenter comment with the current request's id (and traceparent, tracestate,
 * application, route or job) to every statement it sends. TypeORM runs its own copy of the SQL, so the comment is
 * added here, below it: repositories, query builders, raw queries, transactions, `stream()` and migrations all go
 * through `Client.query`. Hand it to the pool with one line in the TypeORM options:
 * `extra: { Client: sqlCommentingClient() }`.
 */
export function sqlCommentingClient(options: SqlCommentingClientOptions = {}): PgClientClass {
  const pg = loadPg();
  // Without the module (a migration script), the environment flag, read when the client class is made, decides;
  // with it, the module's resolved options do (they include the same flag).
  const standalone = queryCommentsFlag();
  return class SqlCommentingClient extends pg.Client {
    // pg's own signature, called with as many arguments as given: no rest array per statement, and instrumentations
    // that patch Client.prototype.query (OpenTelemetry's looks for a callback in the last one) see the same call.
    override query(config?: unknown, values?: unknown, callback?: unknown): any {
      const settings = sqlCommentSettings();
      const enabled = settings ? settings.enabled : standalone;
      const count = arguments.length;
      if (enabled && count > 0) {
        try {
          config = commentQuery(config, currentComment(options, settings), options.prepend ?? settings?.prepend ?? false);
        } catch (error) {
          settings?.internal?.record('database', error);
        }
      }
      const query = super.query as (...a: unknown[]) => unknown;
      if (count === 1) return query.call(this, config);
      if (count === 2) return query.call(this, config, values);
      if (count === 3) return query.call(this, config, values, callback);
      const args = [...arguments];
      if (count > 0) args[0] = config;
      return query.apply(this, args);
    }
  };
}

interface CachedComment {
  options: SqlCommentingClientOptions;
  settings: SqlCommentSettings | undefined;
  requestId: unknown;
  /** The active span's id, when an SDK takes part: each span's statements name it. */
  spanId: string | undefined;
  comment: string;
}

/**
 * Every statement of one context (a request, a job) gets the same comment: it is built once and kept in the
 * context's CLS store (SQL_COMMENT_KEY), as long as the client options, the module's settings and the id are the
 * same. A property of the store rather than a WeakMap entry per context: nothing for the garbage collector to trace
 * per request. A request's route is known only once it is routed, so a comment without its route is not kept.
 */
function currentComment(options: SqlCommentingClientOptions, settings: SqlCommentSettings | undefined): string {
  const store = ClsServiceManager.getClsService().get() as Record<symbol, unknown> | undefined;
  const requestId = store?.[CLS_ID];
  const span = settings?.openTelemetry?.activeSpan(store);
  if (store) {
    const cached = store[SQL_COMMENT_KEY] as CachedComment | undefined;
    if (
      cached &&
      cached.options === options &&
      cached.settings === settings &&
      cached.requestId === requestId &&
      cached.spanId === span?.span_id
    ) {
      return cached.comment;
    }
  }
  const tags = currentTags(options, settings, span, store, requestId);
  const comment = serializeSqlComment(tags, store !== undefined && store[CHECKED_ID_KEY] === requestId);
  if (store && tags.route !== UNMATCHED_ROUTE) store[SQL_COMMENT_KEY] = { options, settings, requestId, spanId: span?.span_id, comment };
  return comment;
}

/**
 * The tags of the current context, read from its store (no correlation snapshot: this runs for the first statement
 * of every request or job). Both ways out make an object of one shape, so serializeSqlComment's reads stay
 * monomorphic.
 */
function currentTags(
  options: SqlCommentingClientOptions,
  settings: SqlCommentSettings | undefined,
  span: SpanFields | undefined,
  store: Record<symbol, unknown> | undefined,
  requestId: unknown,
): SqlTags {
  const application = options.application ?? settings?.application;
  // The span that sends the statement is its parent in the trace, whether or not a request context exists.
  const spanParent = span ? traceparentOf(span) : undefined;
  if (typeof requestId !== 'string' || !requestId) {
    return { application, job: undefined, request_id: undefined, route: undefined, source: options.source, traceparent: spanParent, tracestate: undefined };
  }
  const trace = store![TRACE_CONTEXT_KEY] as TraceContext | undefined;
  const fields = store![LOG_FIELDS_KEY] as { queue?: unknown; job_name?: unknown } | undefined;
  const job = typeof fields?.queue === 'string' ? `${fields.queue}:${String(fields.job_name)}` : undefined;
  return {
    application,
    job,
    request_id: requestId,
    route: job === undefined && store![CONTEXT_SOURCE_KEY] === 'http' ? recordRouteTemplate(store![REQUEST_RECORD_KEY] as RequestRecord | undefined) : undefined,
    source: options.source,
    traceparent: spanParent ?? trace?.traceparent,
    tracestate: trace?.tracestate,
  };
}

/** The first argument of `Client.query`: SQL text, a config object, or a submittable (Query, Cursor, QueryStream). */
function commentQuery(config: unknown, comment: string, prepend: boolean): unknown {
  if (typeof config === 'string') return addComment(config, comment, prepend);
  if (config === null || typeof config !== 'object') return config;
  const query = config as { text?: unknown; name?: unknown; submit?: unknown; cursor?: { text?: unknown } };
  // A named prepared statement must keep the exact text it was prepared with.
  if (query.name) return config;
  if (typeof query.submit === 'function') {
    if (typeof query.text === 'string') query.text = addComment(query.text, comment, prepend);
    else if (query.cursor && typeof query.cursor.text === 'string') query.cursor.text = addComment(query.cursor.text, comment, prepend);
    return config;
  }
  if (typeof query.text === 'string') return { ...query, text: addComment(query.text, comment, prepend) };
  return config;
}

function loadPg(): { Client: PgClientClass } {
  try {
    const pg = createRequire(import.meta.url)('pg') as { Client: PgClientClass; default?: { Client: PgClientClass } };
    return pg.default ?? pg;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`sqlCommentingClient needs the pg driver: npm install pg (${reason})`);
  }
}
