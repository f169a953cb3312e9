import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { isValidRequestId } from '../correlation/request-id.js';
import { addComment, encodeSqlCommentValue, serializeSqlComment, sqlOperation } from './sqlcommenter.js';

describe('sqlcommenter', () => {
  it('sorts keys, encodes values and skips empty ones', () => {
    expect(serializeSqlComment({ route: '/api/v1/x/:id', request_id: 'abc', application: 'api', traceparent: undefined })).toBe(
      "/*application='api',request_id='abc',route='%2Fapi%2Fv1%2Fx%2F%3Aid'*/",
    );
    expect(serializeSqlComment({})).toBe('');
  });

  it('writes every key the module has in sorted order, whatever order they were given in', () => {
    const tags = { tracestate: 'v=1', traceparent: 'p', source: 's', route: 'r', request_id: 'i', job: 'j', application: 'a' };
    const comment = serializeSqlComment(tags);
    const keys = [...comment.matchAll(/([a-z_]+)='/g)].map((m) => m[1]);
    expect(keys).toEqual(Object.keys(tags).sort());
    expect(comment).toContain("tracestate='v%3D1'");
  });

  it('writes what a plain loop over the sorted keys writes, call after call (property, 2,000 runs)', () => {
    // The definition: every key with a value, sorted, each value encoded; the serializer keeps pieces between calls.
    const byLoop = (tags: Record<string, string | undefined>) => {
      const pairs = Object.keys(tags)
        .sort()
        .filter((k) => tags[k])
        .map((k) => `${k}='${encodeSqlCommentValue(tags[k]!)}'`);
      return pairs.length ? `/*${pairs.join(',')}*/` : '';
    };
    const value = fc.option(fc.constantFrom('', 'api', 'worker', 'a b', 'sync:run', "it's", '/x/:id', 'é'), { nil: undefined });
    const keys = ['application', 'job', 'request_id', 'route', 'source', 'traceparent', 'tracestate'] as const;
    const tags = fc.record(Object.fromEntries(keys.map((k) => [k, value])) as Record<(typeof keys)[number], typeof value>);
    fc.assert(
      fc.property(fc.array(tags, { minLength: 1, maxLength: 6 }), (calls) => {
        for (const t of calls) expect(serializeSqlComment(t)).toBe(byLoop(t));
      }),
      { numRuns: 2000 },
    );
  });

  it('encodes a checked request id as it encodes any value, for every id the request-id rules accept (property)', () => {
    // The rules' characters and a few they refuse: an id the rules newly accepted would have to pass here too.
    const unit = fc.constantFrom(...'aZ09._:-', '~', '/', "'", '*', ' ', 'é', '%');
    fc.assert(
      fc.property(fc.string({ unit, minLength: 1, maxLength: 40 }).filter(isValidRequestId), fc.constantFrom(undefined, 'api'), (id, application) => {
        expect(serializeSqlComment({ application, request_id: id }, true)).toBe(serializeSqlComment({ application, request_id: id }));
      }),
      { numRuns: 2000 },
    );
    expect(serializeSqlComment({ request_id: 'a:b' }, true)).toBe("/*request_id='a%3Ab'*/");
  });

  it('encodes the characters encodeURIComponent leaves alone that matter here', () => {
    expect(encodeSqlCommentValue("it's (a) *test*!")).toBe('it%27s%20%28a%29%20%2Atest%2A%21');
  });

  it('encodes a lone UTF-16 surrogate as U+FFFD instead of throwing, and keeps a valid pair', () => {
    expect(encodeSqlCommentValue('a\uD800b')).toBe('a%EF%BF%BDb');
    expect(encodeSqlCommentValue('\uDC00')).toBe('%EF%BF%BD');
    expect(encodeSqlCommentValue('x\uD83D\uDE00')).toBe('x%F0%9F%98%80');
    expect(serializeSqlComment({ request_id: 'r', route: '/p/\uD800' })).toBe("/*request_id='r',route='%2Fp%2F%EF%BF%BD'*/");
  });

  it('never lets a value close, open or quote its way out (property, 5,000 runs)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ maxLength: 50 }), (value, other) => {
        const comment = serializeSqlComment({ request_id: value, route: other });
        const inner = comment.slice(2, -2);
        expect(inner).not.toMatch(/\*\/|\/\*|;|\\/);
        expect(inner.replace(/='[A-Za-z0-9\-_.~%]*'/g, '')).toMatch(/^[a-z_,]*$/);
      }),
      { numRuns: 5000 },
    );
  });

  it('appends, keeps a trailing semicolon last, prepends on request, leaves commented statements alone', () => {
    expect(addComment('SELECT 1', serializeSqlComment({ request_id: 'a' }))).toBe("SELECT 1 /*request_id='a'*/");
    expect(addComment('SELECT 1;  ', serializeSqlComment({ request_id: 'a' }))).toBe("SELECT 1 /*request_id='a'*/;");
    expect(addComment('SELECT 1;', serializeSqlComment({ request_id: 'a' }))).toBe("SELECT 1 /*request_id='a'*/;");
    // White space past ASCII counts as white space too (what trimEnd trims), and any other last character does not.
    expect(addComment('SELECT 1;\n\u3000', serializeSqlComment({ request_id: 'a' }))).toBe("SELECT 1 /*request_id='a'*/;");
    expect(addComment('SELECT 1 AS é', serializeSqlComment({ request_id: 'a' }))).toBe("SELECT 1 AS é /*request_id='a'*/");
    expect(addComment('SELECT 1\n', serializeSqlComment({ request_id: 'a' }))).toBe("SELECT 1\n /*request_id='a'*/");
    expect(addComment('SELECT 1', serializeSqlComment({ request_id: 'a' }), true)).toBe("/*request_id='a'*/ SELECT 1");
    expect(addComment('SELECT 1 -- mine', serializeSqlComment({ request_id: 'a' }))).toBe('SELECT 1 -- mine');
    expect(addComment('SELECT 1', serializeSqlComment({}))).toBe('SELECT 1');
  });

  const c = serializeSqlComment({ request_id: 'a' });
  it.each([
    // -- and /* as text: inside strings, quoted names, dollar-quoted bodies, E-strings with escaped quotes.
    ["SELECT '--not a comment' AS a", `SELECT '--not a comment' AS a ${c}`],
    ["SELECT 'it''s /* text' AS a;", `SELECT 'it''s /* text' AS a ${c};`],
    ['SELECT 1 AS "odd--name"', `SELECT 1 AS "odd--name" ${c}`],
    ["SELECT E'\\' -- still a string' AS a", `SELECT E'\\' -- still a string' AS a ${c}`],
    ['DO $body$ BEGIN RAISE NOTICE \'-- /*\'; END $body$', `DO $body$ BEGIN RAISE NOTICE '-- /*'; END $body$ ${c}`],
    ['SELECT $1::text -- a note\n', `SELECT $1::text -- a note\n ${c}`],
    // Ordinary comments that end before the statement does, nested ones included.
    ['SELECT 1 /* mine */', `SELECT 1 /* mine */ ${c}`],
    ['SELECT /* outer /* inner */ still */ 1', `SELECT /* outer /* inner */ still */ 1 ${c}`],
    // Left alone: ends inside a comment, or holds a sqlcommenter comment already.
    ['SELECT 1 -- mine', 'SELECT 1 -- mine'],
    ['SELECT 1 /* open /* nested */', 'SELECT 1 /* open /* nested */'],
    ["SELECT 1 /*traceparent='00-ab-cd-01'*/", "SELECT 1 /*traceparent='00-ab-cd-01'*/"],
    ["SELECT '-- unterminated", "SELECT '-- unterminated"],
  ])('appends to %j as PostgreSQL reads it', (sql, expected) => {
    expect(addComment(sql, c)).toBe(expected);
  });

  it('prepends even before a statement that ends in a comment, never twice', () => {
    expect(addComment('SELECT 1 -- mine', c, true)).toBe(`${c} SELECT 1 -- mine`);
    expect(addComment(`${c} SELECT 1`, c, true)).toBe(`${c} SELECT 1`);
  });

  it.each([
    ['SELECT * FROM t', 'select'],
    ['  insert into t values (1)', 'insert'],
    ['UPDATE t SET a = 1', 'update'],
    ['delete from t', 'delete'],
    ['/* c */ SELECT 1', 'select'],
    ['(SELECT 1) UNION (SELECT 2)', 'select'],
    ['WITH x AS (SELECT 1) SELECT * FROM x', 'other'],
    ['START TRANSACTION', 'other'],
    ['', 'other'],
    ['SELECTED', 'other'],
    ['Select', 'select'],
    ['delete', 'delete'],
    ['selec', 'other'],
  ])('names the operation of %j as %s', (sql, operation) => {
    expect(sqlOperation(sql)).toBe(operation);
  });

  it('names the operation as the first keyword after comments and a parenthesis, for any text', () => {
    // The definition, as one regex; sqlOperation reads a leading keyword without it.
    const byRegex = (sql: string) => {
      const keyword = /^\s*(?:\/\*[\s\S]*?\*\/\s*)*\(?\s*([A-Za-z]+)/.exec(sql)?.[1]?.toLowerCase();
      return keyword === 'select' || keyword === 'insert' || keyword === 'update' || keyword === 'delete' ? keyword : 'other';
    };
    const piece = fc.constantFrom('select', 'SELECT', 'Insert', 'update', 'DELETE', 'selects', 'with', ' ', '(', '/* x */', '1', ';', 'é', '\n');
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(piece, { maxLength: 6 }).map((p) => p.join(''))), (sql) => {
        expect(sqlOperation(sql)).toBe(byRegex(sql));
      }),
      { numRuns: 2000 },
    );
  });
});
