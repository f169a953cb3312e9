import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';

/** Deeper than any body this api accepts; deep enough for any real client. */
export const MAX_BODY_DEPTH = 32;

/**
 * Rejects input nested deeper than `maxDepth` with a 400, before class-transformer walks it: its recursion
 * overflows the stack on a hostile body a few thousand levels deep, which would surface as a 500.
 */
@Injectable()
export class MaxDepthPipe implements PipeTransform {
  constructor(private readonly maxDepth = MAX_BODY_DEPTH) {}

  transform(value: unknown): unknown {
    if (value === null || typeof value !== 'object') return value;
    // Iterative, so the check itself cannot overflow.
    const stack: Array<[unknown, number]> = [[value, 1]];
    while (stack.length > 0) {
      const [current, depth] = stack.pop()!;
      if (depth > this.maxDepth) throw new BadRequestException(`input is nested deeper than ${this.maxDepth} levels`);
      for (const child of Object.values(current as object)) {
        if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
      }
    }
    return value;
  }
}
