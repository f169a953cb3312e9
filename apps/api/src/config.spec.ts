import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from './config.js';

const DB = 'postgres://app:secret@db:5432/commandcenter';
const REDIS = 'redis://redis:6379';

describe('loadConfig', () => {
  it('reads the runtime contract with its defaults', () => {
    expect(loadConfig({ DATABASE_URL: DB, REDIS_URL: REDIS })).toEqual({
      databaseUrl: DB,
      redisUrl: REDIS,
      port: 3000,
      nodeEnv: 'development',
      testErrorEnabled: true,
      httpAdapter: 'express',
      queueLibrary: 'bull',
    });
  });

  it.each([
    [{ REDIS_URL: REDIS }, 'DATABASE_URL is not set'],
    [{ DATABASE_URL: 'not a url', REDIS_URL: REDIS }, 'DATABASE_URL is not a valid URL'],
    [{ DATABASE_URL: 'mysql://h/db', REDIS_URL: REDIS }, 'must use postgres://'],
    [{ DATABASE_URL: 'postgres://host', REDIS_URL: REDIS }, 'must name a host and a database'],
    [{ DATABASE_URL: DB }, 'REDIS_URL is not set'],
    [{ DATABASE_URL: DB, REDIS_URL: 'http://redis' }, 'REDIS_URL must use redis://'],
    [{ DATABASE_URL: DB, REDIS_URL: REDIS, PORT: 'eighty' }, 'PORT="eighty"'],
    [{ DATABASE_URL: DB, REDIS_URL: REDIS, HTTP_ADAPTER: 'koa' }, 'HTTP_ADAPTER="koa"'],
    [{ DATABASE_URL: DB, REDIS_URL: REDIS, QUEUE_LIBRARY: 'kafka' }, 'QUEUE_LIBRARY="kafka" must be bull or bullmq'],
    [{ DATABASE_URL: DB, REDIS_URL: REDIS, OBSERVABILITY_TEST_ERROR_ENABLED: 'yes please' }, 'OBSERVABILITY_TEST_ERROR_ENABLED'],
  ])('refuses %j with one clear line', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('turns the test error route off in production unless enabled explicitly', () => {
    const base = { DATABASE_URL: DB, REDIS_URL: REDIS };
    expect(loadConfig({ ...base, NODE_ENV: 'production' }).testErrorEnabled).toBe(false);
    expect(loadConfig({ ...base, NODE_ENV: 'production', OBSERVABILITY_TEST_ERROR_ENABLED: 'true' }).testErrorEnabled).toBe(true);
    expect(loadConfig({ ...base, OBSERVABILITY_TEST_ERROR_ENABLED: 'false' }).testErrorEnabled).toBe(false);
  });
});
