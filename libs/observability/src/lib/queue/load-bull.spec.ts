import { describe, expect, it } from '@jest/globals';
import { loadBull } from './load-bull.js';

const missing = () => Promise.reject(new Error("Cannot find package 'bull'"));

describe('loadBull', () => {
  it('loads the installed Bull', async () => {
    const Queue = await loadBull(true);
    expect(typeof Queue).toBe('function');
    expect(typeof Queue!.prototype.add).toBe('function');
  });

  it('names what to install when the integration was asked for and Bull is missing', async () => {
    await expect(loadBull(true, missing)).rejects.toThrow('npm install @nestjs/bull bull');
  });

  it('stays off quietly when Bull is missing and nobody asked for it', async () => {
    await expect(loadBull(false, missing)).resolves.toBeUndefined();
  });
});
