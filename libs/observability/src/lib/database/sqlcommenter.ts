import { boundedMemo } from '../core/bounded-memo.js';
import { scanSql } from './sql-scan.js';

/**
 * sqlcommenter (google/sqlcommenter): ` /*key='value',...*\/` with sorted keys and URL-encoded values. The encoding
 * is the injection defence and holds on its own, whatever the values: encodeURIComponent plus `!'()*` leaves only
 * `A-Z a-z 0-9 - _ . ~ %`, so no value can close the comment, open a nested one (PostgreSQL comments nest) or
 * end the quoted value.
 */
export function encodeSqlCommentValue(value: string): string {
  // Fast path: a value made only of characters the encoding keeps as they are (most keys, UUIDs) is its own encoding.
  if (UNRESERVED.test(value)) return value;
  return encodeURIComponent(value.replace(LONE_SURROGATE, '\uFFFD')).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const UNRESERVED = /^[A-Za-z0-9_.~-]*$/;
/** encodeURIComponent throws on a lone UTF-16 surrogate: it becomes U+FFFD, as a UTF-8 encoder would write it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The keys the module writes (serializeSqlComment writes them in sqlcommenter's sorted order). */
export type SqlTags = Partial<Record<'application' | 'job' | 'request_id' | 'route' | 'source' | 'traceparent' | 'tracestate', string>>;

/** Tags with few distinct values (the application, route templates, job names, the source) keep their encoding. */
const encodeBoundedValue = boundedMemo((value) => encodeSqlCommentValue(value), 512);

/**
 * `checkedId`: the request id is one the module validated or made (request-id.ts: `A-Z a-z 0-9 . _ : -`), whose only
 * character the encoding changes is `:`; its characters are not read again.
 */
export function serializeSqlComment(tags: SqlTags, checkedId = false): string {
  // Each key read by its name, in sqlcommenter's (sorted) order: this runs for the first statement of every request
  // or job, and a loop over the key names made each read a megamorphic keyed load (docs/performance-log.md, "Eighteenth
  // look"). Bounded values keep their encoding. With an id and nothing after it (the common case), the comment is
  // the kept head, the id and `'*/`: two concatenations (docs/performance-log.md, "Twenty-first look").
  const id = tags.request_id;
  const tail = trailingTags(tags.route, tags.source, tags.traceparent, tags.tracestate);
  if (id === undefined || id === '') {
    const leading = leadingTags(tags.application, tags.job);
    // Without leading tags, the tail's first comma goes.
    if (leading === '') return tail === '' ? '' : `/*${tail.slice(1)}*/`;
    return `/*${leading}${tail}*/`;
  }
  const value = `${idHead(tags.application, tags.job)}${checkedId ? encodeCheckedId(id) : encodeSqlCommentValue(id)}`;
  return tail === '' ? `${value}'*/` : `${value}'${tail}*/`;
}

/** The keys before `request_id` in sorted order: `application='…',job='…'` (either or both may be absent). */
function leadingTags(application: string | undefined, job: string | undefined): string {
  return tag(tag('', "application='", application, true), "job='", job, true);
}

/** The keys after `request_id` in sorted order, each as `,key='…'`; '' when none has a value. */
function trailingTags(route: string | undefined, source: string | undefined, traceparent: string | undefined, tracestate: string | undefined): string {
  if (!route && !source && !traceparent && !tracestate) return '';
  return `,${tag(tag(tag(tag('', "route='", route, true), "source='", source, true), "traceparent='", traceparent, false), "tracestate='", tracestate, false)}`;
}

/** A checked request id's encoding: itself, but for `:` (the spec holds it to encodeSqlCommentValue for every valid id). */
function encodeCheckedId(id: string): string {
  return id.includes(':') ? id.replaceAll(':', '%3A') : id;
}

/**
 * The comment's opening up to an id's value (`/*application='…',job='…',request_id='`): the same for every context
 * of one app and job name, so the last one is kept, compared by its two values (docs/performance-log.md, "Nineteenth
 * look").
 */
let lastHead: { application?: string; job?: string; text: string } = { text: "/*request_id='" };
function idHead(application: string | undefined, job: string | undefined): string {
  if (application !== lastHead.application || job !== lastHead.job) {
    const before = leadingTags(application, job);
    lastHead = { application, job, text: before === '' ? "/*request_id='" : `/*${before},request_id='` };
  }
  return lastHead.text;
}

/** `body` with `key='value'` added (`prefix` is `key='`; keys are unreserved: their own encoding), or as it is without a value. */
function tag(body: string, prefix: string, value: string | undefined, bounded: boolean): string {
  if (value === undefined || value === '') return body;
  const encoded = bounded ? encodeBoundedValue(value) : encodeSqlCommentValue(value);
  return body === '' ? `${prefix}${encoded}'` : `${body},${prefix}${encoded}'`;
}

/**
 * Adds a serialized comment (from `serializeSqlComment`) to a statement: appended by default (before a trailing
 * semicolon), prepended on request. Left as it is: a statement that already holds a sqlcommenter comment (as the
 * spec asks), and, when appending, one that ends inside a comment (a trailing `-- note` would swallow ours). Other
 * comments, and `--` or `/*` inside literals, do not stop it.
 */
export function addComment(sql: string, comment: string, prepend = false): string {
  if (sql.length === 0 || !comment) return sql;
  // Only a text with `--` or `/*` somewhere needs reading: this runs for every statement.
  if ((sql.includes('-') || sql.includes('/')) && (sql.includes('--') || sql.includes('/*'))) {
    const scan = scanSql(sql);
    if (scan.hasSqlComment || (!prepend && !scan.endsInCode)) return sql;
  }
  if (prepend) return `${comment} ${sql}`;
  // Most statements end in neither a semicolon nor white space: nothing to trim or look for.
  const last = sql.charCodeAt(sql.length - 1);
  if (last > 32 && last !== 59 && last < 128) return `${sql} ${comment}`;
  const trimmed = sql.trimEnd();
  return trimmed.endsWith(';') ? `${trimmed.slice(0, -1)} ${comment};` : `${sql} ${comment}`;
}

const OPERATION = /^\s*(?:\/\*[\s\S]*?\*\/\s*)*\(?\s*([A-Za-z]+)/;
const isLetter = (code: number) => (code >= 65 && code <= 90) || (code >= 97 && code <= 122);

/** A statement's `operation` label (db_query_duration_seconds, db_query_errors_total). */
export type Operation = 'select' | 'insert' | 'update' | 'delete' | 'other';
const OPERATIONS: readonly Operation[] = ['select', 'insert', 'update', 'delete'];

/** The operation label of a statement: its first keyword, for the few that matter, else 'other'. */
export function sqlOperation(sql: string): Operation {
  if (isLetter(sql.charCodeAt(0))) {
    // Most statements (TypeORM's all) start with their keyword: the four that matter are six letters, compared in
    // place, without the regex, its match array or a lower-cased copy (this runs for every statement).
    let end = 1;
    while (end < 7 && isLetter(sql.charCodeAt(end))) end++;
    if (end !== 6) return 'other';
    for (const operation of OPERATIONS) if (startsWithLetters(sql, operation)) return operation;
    return 'other';
  }
  const keyword = OPERATION.exec(sql)?.[1]?.toLowerCase();
  return OPERATIONS.find((operation) => operation === keyword) ?? 'other';
}

/** Whether `sql` starts with the lower-case letters of `word`, in any letter case (`sql`'s first letters are letters). */
function startsWithLetters(sql: string, word: string): boolean {
  for (let i = 0; i < word.length; i++) if ((sql.charCodeAt(i) | 0x20) !== word.charCodeAt(i)) return false;
  return true;
}
