import { describe, expect, it } from '@jest/globals';
import { BadRequestException } from '@nestjs/common';
import { MaxDepthPipe } from './max-depth.pipe.js';

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
}

describe('MaxDepthPipe', () => {
  const pipe = new MaxDepthPipe(32);

  it('passes input up to the limit unchanged', () => {
    const value = nested(32);
    expect(pipe.transform(value)).toBe(value);
    expect(pipe.transform({ name: 'x', url: 'https://example.com' })).toEqual({ name: 'x', url: 'https://example.com' });
    expect(pipe.transform('text')).toBe('text');
  });

  it('rejects deeper input with a 400, even 100,000 levels deep', () => {
    expect(() => pipe.transform(nested(33))).toThrow(BadRequestException);
    expect(() => pipe.transform(nested(100_000))).toThrow('nested deeper than 32 levels');
  });
});
