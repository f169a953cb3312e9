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
      syncWorkMs: 500,
    });
  });

  it('takes SYNC_WORK_MS=0 (no simulated work, for throughput benchmarks)', () => {
    expect(loadConfig({ ...BASE, SYNC_WORK_MS: '0' }).syncWorkMs).toBe(0);
  });

  it.each([['-1'], ['ten'], ['1.5'], ['']])('refuses SYNC_WORK_MS=%j with one clear line', (value) => {
    expect(() => loadConfig({ ...BASE, SYNC_WORK_MS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...BASE, SYNC_WORK_MS: value })).toThrow(`SYNC_WORK_MS="${value}"`);
  });
});
