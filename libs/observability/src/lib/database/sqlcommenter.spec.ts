import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { addComment, encodeSqlCommentValue, serializeSqlComment, sqlOperation } from './sqlcommenter.js';

describe('sqlcommenter', () => {
  it('sorts keys, encodes values and skips empty ones', () => {
    expect(serializeSqlComment({ route: '/api/v1/x/:id', request_id: 'abc', application: 'api', traceparent: undefined })).toBe(
      "/*application='api',request_id='abc',route='%2Fapi%2Fv1%2Fx%2F%3Aid'*/",
    );
    expect(serializeSqlComment({})).toBe('');
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
    expect(addComment('SELECT 1', serializeSqlComment({ request_id: 'a' }), true)).toBe("/*request_id='a'*/ SELECT 1");
    expect(addComment('SELECT 1 /* mine */', serializeSqlComment({ request_id: 'a' }))).toBe('SELECT 1 /* mine */');
    expect(addComment('SELECT 1 -- mine', serializeSqlComment({ request_id: 'a' }))).toBe('SELECT 1 -- mine');
    expect(addComment('SELECT 1', serializeSqlComment({}))).toBe('SELECT 1');
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
  ])('names the operation of %j as %s', (sql, operation) => {
    expect(sqlOperation(sql)).toBe(operation);
  });
});
