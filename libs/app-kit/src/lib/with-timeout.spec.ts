import { describe, expect, it } from '@jest/globals';
import { TimeoutError, withTimeout } from './with-timeout.js';

describe('withTimeout', () => {
  it('gives the value of a promise that settles in time', async () => {
    await expect(withTimeout(Promise.resolve('ok'), 50)).resolves.toBe('ok');
  });

  it('passes on the promise’s own failure as it is', async () => {
    await expect(withTimeout(Promise.reject(new RangeError('own')), 50)).rejects.toThrow(RangeError);
  });

  it('rejects with a TimeoutError once the time is up, and a late rejection stays handled', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      const late = new Promise((_, reject) => setTimeout(() => reject(new Error('late')), 20));
      await expect(withTimeout(late, 5, 'too slow')).rejects.toEqual(new TimeoutError('too slow'));
      await new Promise((r) => setTimeout(r, 40));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', listener);
    }
  });
});
