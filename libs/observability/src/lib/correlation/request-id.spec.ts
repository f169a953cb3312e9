import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { isValidRequestId, resolveRequestId } from './request-id.js';

const SAFE = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-'.split('');

describe('resolveRequestId', () => {
  it('always returns a valid id, whatever the input (property, 2,000 runs)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }), fc.array(fc.string(), { maxLength: 3 })), (raw) => {
        const { id } = resolveRequestId(raw);
        expect(isValidRequestId(id)).toBe(true);
        expect(id.length).toBeLessThanOrEqual(128);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps every valid input unchanged (property, 1,000 runs)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...SAFE), { minLength: 1, maxLength: 128 }).map((c) => c.join('')), (valid) => {
        expect(resolveRequestId(valid)).toEqual({ id: valid });
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    ['', 'empty'],
    ['a'.repeat(129), 'too-long'],
    ["x*/ OR true /*", 'invalid-characters'],
    ['new\nline', 'invalid-characters'],
    ['ünï', 'invalid-characters'],
  ])('replaces %j and says why (%s)', (raw, reason) => {
    const result = resolveRequestId(raw);
    expect(result.rejected).toBe(reason);
    expect(result.id).not.toBe(raw);
    expect(isValidRequestId(result.id)).toBe(true);
  });

  it('replaces several header values, keeps a single one', () => {
    expect(resolveRequestId(['a', 'b']).rejected).toBe('several-values');
    expect(resolveRequestId(['only-one'])).toEqual({ id: 'only-one' });
  });

  it('generates a fresh UUID per call when absent', () => {
    const a = resolveRequestId(undefined).id;
    const b = resolveRequestId(undefined).id;
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    expect(a).not.toBe(b);
  });
});
