import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ExpositionBuffers } from './exposition-buffers.js';

describe('ExpositionBuffers', () => {
  it('hold exactly the UTF-8 of the pieces written, across growth and reuse', () => {
    const buffers = new ExpositionBuffers();
    // Short pieces of any of 1- to 4-byte characters, and long runs that make the buffer grow.
    const piece = fc.oneof(
      fc.string({ maxLength: 30, unit: fc.constantFrom('a', '\n', '"', 'é', '€', '😀') }),
      fc.tuple(fc.constantFrom('ab\n', 'é€', '😀"'), fc.nat(20_000)).map(([unit, n]) => unit.repeat(n)),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const sink = buffers.take();
        for (const p of pieces) sink.write(p);
        expect(sink.bytes().equals(Buffer.from(pieces.join('')))).toBe(true);
        buffers.giveBack(sink);
      }),
      { numRuns: 200 },
    );
  });

  it('reuse a buffer given back, and never hand one buffer to two scrapes', () => {
    const buffers = new ExpositionBuffers();
    const first = buffers.take();
    first.write('x'.repeat(100));
    const kept = first.buffer;
    buffers.giveBack(first);
    buffers.giveBack(first);
    const a = buffers.take();
    const b = buffers.take();
    expect(a.buffer).toBe(kept);
    expect(a.length).toBe(0);
    expect(b.buffer).not.toBe(kept);
  });
});
