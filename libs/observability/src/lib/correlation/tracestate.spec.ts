import { describe, expect, it } from '@jest/globals';
import { parseTracestate } from './tracestate.js';

// Cases from the rules of W3C Trace Context Level 1 (tracestate), written from the specification's text.
describe('parseTracestate', () => {
  it.each([
    ['one member', 'congo=t61rcWkgMzE', 'congo=t61rcWkgMzE'],
    ['two members', 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE', 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE'],
    ['whitespace around members', ' rojo=1 ,\tcongo=2\t', 'rojo=1,congo=2'],
    ['empty members', 'rojo=1,,  ,congo=2,', 'rojo=1,congo=2'],
    ['a multi-tenant key', 'fw529a3039@dt=abc,1tenant@vendor=x', 'fw529a3039@dt=abc,1tenant@vendor=x'],
    ['keys with _ - * /', 'a_b-c*d/e=1', 'a_b-c*d/e=1'],
    ['a value with inner spaces and symbols', 'k=a b!~', 'k=a b!~'],
    ['several header lines', ['rojo=1', 'congo=2'], 'rojo=1,congo=2'],
  ])('keeps %s', (_name, raw, expected) => {
    expect(parseTracestate(raw)).toBe(expected);
  });

  it.each([
    ['an upper-case key', 'Rojo=1,congo=2', 'congo=2'],
    ['a key starting with a digit (not multi-tenant)', '1rojo=1,congo=2', 'congo=2'],
    ['a key of 257 characters', `${'a'.repeat(257)}=1,congo=2`, 'congo=2'],
    ['a vendor part of 15 characters', `t@${'v'.repeat(15)}=1,congo=2`, 'congo=2'],
    ['a value with =', 'rojo=a=b,congo=2', 'congo=2'],
    ['an empty value', 'rojo=,congo=2', 'congo=2'],
    ['a member without =', 'rojo,congo=2', 'congo=2'],
    ['a value with a control character', 'rojo=a\u0001b,congo=2', 'congo=2'],
    ['a value over 256 characters', `rojo=${'a'.repeat(257)},congo=2`, 'congo=2'],
    ['a later duplicate key (the left-most is newest)', 'rojo=1,congo=2,rojo=3', 'rojo=1,congo=2'],
  ])('drops %s and keeps the rest', (_name, raw, expected) => {
    expect(parseTracestate(raw)).toBe(expected);
  });

  it('keeps at most 32 members', () => {
    const members = Array.from({ length: 40 }, (_, i) => `k${i}=${i}`);
    expect(parseTracestate(members.join(','))!.split(',')).toEqual(members.slice(0, 32));
  });

  it('stays within 512 characters, dropping members over 128 characters first, then from the right', () => {
    const large = `big=${'x'.repeat(200)}`;
    const small = Array.from({ length: 30 }, (_, i) => `key${String(i).padStart(2, '0')}=${'v'.repeat(12)}`);
    const parsed = parseTracestate([small[0], large, ...small.slice(1)].join(','))!;
    expect(parsed.length).toBeLessThanOrEqual(512);
    expect(parsed).not.toContain('big=');
    expect(parsed.split(',')).toEqual(small.slice(0, parsed.split(',').length));
    expect(parsed.split(',').length).toBeGreaterThan(20);
  });

  it('gives undefined when nothing valid is left, or nothing came', () => {
    expect(parseTracestate('NOPE=1, =2')).toBeUndefined();
    expect(parseTracestate('')).toBeUndefined();
    expect(parseTracestate(undefined)).toBeUndefined();
  });
});
