import { describe, expect, it } from '@jest/globals';
import { uuidV4 } from './uuid-v4.js';

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidV4', () => {
  // 10,000 ids: 78 refills of the 128-id batch.
  const ids = Array.from({ length: 10_000 }, () => uuidV4());

  it('makes version 4, variant 10 UUIDs in lower case, all different, across refills of its random bytes', () => {
    expect(ids.filter((id) => !V4.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('takes every hex digit at every random position, and only 8 to b at the variant', () => {
    const digits = Array.from({ length: 36 }, () => new Set<string>());
    for (const id of ids) for (let i = 0; i < 36; i++) digits[i].add(id[i]);
    const sizes = digits.map((set) => set.size);
    const fixed = { 8: 1, 13: 1, 14: 1, 18: 1, 19: 4, 23: 1 } as Record<number, number>;
    expect(sizes).toEqual(sizes.map((_, i) => fixed[i] ?? 16));
    expect([...digits[19]].sort()).toEqual(['8', '9', 'a', 'b']);
  });
});
