import { describe, expect, it } from '@jest/globals';
import { parseTraceparent } from './traceparent.js';

// Cases from the rules of W3C Trace Context Level 1 (traceparent), written from the specification's text.
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';
const VALID = `00-${TRACE}-${PARENT}-01`;

describe('parseTraceparent', () => {
  it('parses a valid version-00 header and keeps it as received', () => {
    expect(parseTraceparent(VALID)).toEqual({ traceId: TRACE, parentId: PARENT, flags: '01', traceparent: VALID });
  });

  it.each([
    ['a later version with exactly the version-00 fields', `cc-${TRACE}-${PARENT}-01`],
    ['a later version with more fields after a dash', `cc-${TRACE}-${PARENT}-01-what-the-future-will-be-like`],
    ['version 01', `01-${TRACE}-${PARENT}-00`],
    ['flags this version does not define', `00-${TRACE}-${PARENT}-09`],
    ['flags ff', `00-${TRACE}-${PARENT}-ff`],
    ['spaces around it', `  ${VALID}  `],
    ['tabs around it', `\t${VALID}\t`],
  ])('accepts %s', (_name, value) => {
    const parsed = parseTraceparent(value);
    expect(parsed?.traceId).toBe(TRACE);
    expect(parsed?.parentId).toBe(PARENT);
    expect(parsed?.traceparent).toBe(value.replace(/^[ \t]+|[ \t]+$/g, ''));
  });

  it.each([
    ['version ff', `ff-${TRACE}-${PARENT}-01`],
    ['a version that is not hex', `0g-${TRACE}-${PARENT}-01`],
    ['a one-character version', `0-${TRACE}-${PARENT}-01`],
    ['an upper-case version', `CC-${TRACE}-${PARENT}-01`],
    ['version 00 with more fields', `00-${TRACE}-${PARENT}-01-extra`],
    ['version 00 with one more character', `${VALID}0`],
    ['a later version with more characters but no dash', `cc-${TRACE}-${PARENT}-01x`],
    ['a later version whose extra fields hold a space', `cc-${TRACE}-${PARENT}-01-a b`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${PARENT}-01`],
    ['an all-zero parent id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['an upper-case trace id', `00-${TRACE.toUpperCase()}-${PARENT}-01`],
    ['an upper-case parent id', `00-${TRACE}-${PARENT.toUpperCase()}-01`],
    ['upper-case flags', `00-${TRACE}-${PARENT}-0A`],
    ['a short trace id', `00-${TRACE.slice(1)}-${PARENT}-01`],
    ['a long trace id', `00-${TRACE}0-${PARENT}-01`],
    ['a short parent id', `00-${TRACE}-${PARENT.slice(1)}-01`],
    ['a long parent id', `00-${TRACE}-${PARENT}0-01`],
    ['one-character flags', `00-${TRACE}-${PARENT}-1`],
    ['flags that are not hex', `00-${TRACE}-${PARENT}-0g`],
    ['a trace id that is not hex', `00-${TRACE.slice(0, -1)}z-${PARENT}-01`],
    ['a missing delimiter', `00${TRACE}-${PARENT}-01`],
    ['other delimiters', `00_${TRACE}_${PARENT}_01`],
    ['a leading newline', `\n${VALID}`],
    ['a leading form feed', `\f${VALID}`],
    ['a leading byte-order mark', `\ufeff${VALID}`],
    ['a trailing no-break space', `${VALID}\u00a0`],
    ['a trailing vertical tab', `${VALID}\v`],
    ['two values combined in one header', `${VALID}, ${VALID}`],
    ['an injection attempt', `${VALID}*/ DROP`],
    ['a later version too long to forward', `cc-${TRACE}-${PARENT}-01-${'a'.repeat(500)}`],
    ['empty', ''],
  ])('ignores %s', (_name, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it('ignores an absent header and a repeated one', () => {
    expect(parseTraceparent(undefined)).toBeUndefined();
    expect(parseTraceparent([VALID, VALID])).toBeUndefined();
  });
});
