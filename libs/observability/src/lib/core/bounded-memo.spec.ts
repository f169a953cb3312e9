import { describe, expect, it } from '@jest/globals';
import { boundedMemo } from './bounded-memo.js';

describe('boundedMemo', () => {
  it('makes each kept value once, and values past the bound every time, always with the right result', () => {
    const made: string[] = [];
    const upper = boundedMemo((value) => {
      made.push(value);
      return value.toUpperCase();
    }, 2);
    expect(['a', 'b', 'a', 'c', 'c', 'b', 'a'].map(upper)).toEqual(['A', 'B', 'A', 'C', 'C', 'B', 'A']);
    // a and b were kept; c, beyond the bound, was made each time it came.
    expect(made).toEqual(['a', 'b', 'c', 'c']);
  });
});
