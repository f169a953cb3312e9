import { createRequire } from 'node:module';
import type { Client as PgClient } from 'pg';
import { currentCorrelation } from '../correlation/correlation-context.js';
import { currentRouteTemplate } from '../http/route-template.js';
import { featureFlag } from '../resolve-options.js';
import { sqlCommentSettings } from './sql-comment-settings.js';
import { commentStatement, type SqlTags } from './sqlcommenter.js';

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
 * A `pg.Client` subclass that adds a sqlcommenter comment with the current request's id (and traceparent,
 * application, route or job) to every statement it sends. TypeORM runs its own copy of the SQL, so the comment is
 * added here, below it: repositories, query builders, raw queries, transactions, `stream()` and migrations all go
 * through `Client.query`. Hand it to the pool with one line in the TypeORM options:
 * `extra: { Client: sqlCommentingClient() }`.
 */
export function sqlCommentingClient(options: SqlCommentingClientOptions = {}): PgClientClass {
  const pg = loadPg();
  const enabledByEnv = featureFlag(process.env, 'QUERY_COMMENTS');
  return class SqlCommentingClient extends pg.Client {
    override query(...args: any[]): any {
      const settings = sqlCommentSettings();
      if (enabledByEnv && settings?.enabled !== false && args.length > 0) {
        try {
          args[0] = commentQuery(args[0], currentTags(options), options.prepend ?? settings?.prepend ?? false);
        } catch (error) {
          settings?.onFault?.(error);
        }
      }
      return (super.query as (...a: unknown[]) => unknown)(...args);
    }
  };
}

function currentTags(options: SqlCommentingClientOptions): SqlTags {
  const tags: SqlTags = { application: options.application ?? sqlCommentSettings()?.application, source: options.source };
  const correlation = currentCorrelation();
  if (!correlation) return tags;
  tags.request_id = correlation.requestId;
  tags.traceparent = correlation.traceparent;
  const fields = correlation.fields as { queue?: unknown; job_name?: unknown } | undefined;
  if (typeof fields?.queue === 'string') tags.job = `${fields.queue}:${String(fields.job_name)}`;
  else if (correlation.source === 'http') tags.route = currentRouteTemplate();
  return tags;
}

/** The first argument of `Client.query`: SQL text, a config object, or a submittable (Query, Cursor, QueryStream). */
function commentQuery(config: unknown, tags: SqlTags, prepend: boolean): unknown {
  if (typeof config === 'string') return commentStatement(config, tags, prepend);
  if (config === null || typeof config !== 'object') return config;
  const query = config as { text?: unknown; name?: unknown; submit?: unknown; cursor?: { text?: unknown } };
  // A named prepared statement must keep the exact text it was prepared with.
  if (query.name) return config;
  if (typeof query.submit === 'function') {
    if (typeof query.text === 'string') query.text = commentStatement(query.text, tags, prepend);
    else if (query.cursor && typeof query.cursor.text === 'string') query.cursor.text = commentStatement(query.cursor.text, tags, prepend);
    return config;
  }
  if (typeof query.text === 'string') return { ...query, text: commentStatement(query.text, tags, prepend) };
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
