import { describe, expect, it } from '@jest/globals';
import { errorFingerprint, errorType } from './fingerprint.js';

class DatabaseDown extends Error {}

function loadRow(id: string): Error {
  return new DatabaseDown(`row ${id} unreachable`);
}

function saveRow(id: string): Error {
  return new DatabaseDown(`row ${id} unreachable`);
}

function failAt(kind: 'a' | 'b', id: string): Error {
  return kind === 'a' ? loadRow(id) : saveRow(id);
}

describe('errorFingerprint', () => {
  it('is the same for the same error thrown at the same place with different ids in the message', () => {
    expect(errorFingerprint(failAt('a', '1'))).toBe(errorFingerprint(failAt('a', '2c1f0e4e-6a0f-4f7e-9d51-53d2b7f8f0a1')));
  });

  it('differs for another throwing function or another type', () => {
    expect(errorFingerprint(failAt('a', '1'))).not.toBe(errorFingerprint(failAt('b', '1')));
    const err = new Error('same');
    const typeErr = new TypeError('same');
    typeErr.stack = err.stack?.replace(/^Error/, 'TypeError');
    expect(errorFingerprint(err)).not.toBe(errorFingerprint(typeErr));
  });

  it('ignores line and column numbers and absolute paths', () => {
    const a = new DatabaseDown('x');
    a.stack = 'DatabaseDown: x\n    at handler (/srv/build-1/apps/api/src/repo.ts:10:5)\n    at next (/srv/build-1/node_modules/express/lib/router.js:1:2)';
    const b = new DatabaseDown('y');
    b.stack = 'DatabaseDown: y\n    at handler (/home/ci/work/apps/api/src/repo.ts:12:9)\n    at next (/home/ci/work/node_modules/express/lib/router.js:3:4)';
    expect(errorFingerprint(a)).toBe(errorFingerprint(b));
  });

  it('falls back to the normalised message for errors without frames', () => {
    expect(errorFingerprint('timeout after 30 ms')).toBe(errorFingerprint('timeout after 45 ms'));
    expect(errorFingerprint('timeout')).not.toBe(errorFingerprint('refused'));
  });

  it('bounds the error type to a label-safe token', () => {
    expect(errorType(new DatabaseDown())).toBe('DatabaseDown');
    expect(errorType('a string')).toBe('NonError');
    expect(errorType(null)).toBe('NonError');
  });
});
