import { describe, expect, it } from '@jest/globals';
import { withTimeout } from './with-timeout.js';

describe('withTimeout', () => {
  it('gives the value of a promise that settles in time', async () => {
    await expect(withTimeout(Promise.resolve(42), 50)).resolves.toBe(42);
  });

  it('rejects with the message once the time is up', async () => {
    await expect(withTimeout(new Promise(() => undefined), 10, 'too slow')).rejects.toThrow('too slow');
  });

  it('keeps a late rejection from going unhandled', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      const late = new Promise((_, reject) => setTimeout(() => reject(new Error('late')), 20));
      await expect(withTimeout(late, 5)).rejects.toThrow('took longer than 5 ms');
      await new Promise((r) => setTimeout(r, 40));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', listener);
    }
  });
});
