import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from './config.js';

const BASE = { DATABASE_URL: 'postgres://app:secret@db:5432/commandcenter', REDIS_URL: 'redis://redis:6379' };

describe('worker loadConfig', () => {
  it('reads the runtime contract with its defaults', () => {
    expect(loadConfig(BASE)).toEqual({
      databaseUrl: BASE.DATABASE_URL,
      redisUrl: BASE.REDIS_URL,
      port: 3001,
      shutdownTimeoutMs: 10_000,
      syncWorkMs: { min: 50, max: 500 },
      queueLockMs: 30_000,
      queueLibrary: 'bull',
    });
  });

  it('takes QUEUE_LIBRARY bull or bullmq, and nothing else', () => {
    expect(loadConfig({ ...BASE, QUEUE_LIBRARY: 'bullmq' }).queueLibrary).toBe('bullmq');
    expect(() => loadConfig({ ...BASE, QUEUE_LIBRARY: 'BullMQ' })).toThrow('QUEUE_LIBRARY="BullMQ" must be bull or bullmq');
  });

  it('takes SYNC_WORK_MS as a maximum (0: no simulated work) or a range', () => {
    expect(loadConfig({ ...BASE, SYNC_WORK_MS: '0' }).syncWorkMs).toEqual({ min: 0, max: 0 });
    expect(loadConfig({ ...BASE, SYNC_WORK_MS: '2000' }).syncWorkMs).toEqual({ min: 50, max: 2000 });
    expect(loadConfig({ ...BASE, SYNC_WORK_MS: '3000-3000' }).syncWorkMs).toEqual({ min: 3000, max: 3000 });
  });

  it('refuses a QUEUE_LOCK_MS of 0', () => {
    expect(() => loadConfig({ ...BASE, QUEUE_LOCK_MS: '0' })).toThrow('QUEUE_LOCK_MS="0"');
  });

  it.each([['-1'], ['ten'], ['1.5'], [''], ['500-100']])('refuses SYNC_WORK_MS=%j with one clear line', (value) => {
    expect(() => loadConfig({ ...BASE, SYNC_WORK_MS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...BASE, SYNC_WORK_MS: value })).toThrow(`SYNC_WORK_MS="${value}"`);
  });
});
