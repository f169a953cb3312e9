import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from './config.js';

const DB = 'postgres://app:secret@db:5432/commandcenter';

describe('loadConfig', () => {
  it('reads the runtime contract with its defaults', () => {
    expect(loadConfig({ DATABASE_URL: DB })).toEqual({
      databaseUrl: DB,
      port: 3000,
      nodeEnv: 'development',
      testErrorEnabled: true,
      httpAdapter: 'express',
    });
  });

  it.each([
    [{}, 'DATABASE_URL is not set'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL is not a valid URL'],
    [{ DATABASE_URL: 'mysql://h/db' }, 'must use postgres://'],
    [{ DATABASE_URL: 'postgres://host' }, 'must name a host and a database'],
    [{ DATABASE_URL: DB, PORT: 'eighty' }, 'PORT="eighty"'],
    [{ DATABASE_URL: DB, HTTP_ADAPTER: 'koa' }, 'HTTP_ADAPTER="koa"'],
    [{ DATABASE_URL: DB, OBSERVABILITY_TEST_ERROR_ENABLED: 'yes please' }, 'OBSERVABILITY_TEST_ERROR_ENABLED'],
  ])('refuses %j with one clear line', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('turns the test error route off in production unless enabled explicitly', () => {
    expect(loadConfig({ DATABASE_URL: DB, NODE_ENV: 'production' }).testErrorEnabled).toBe(false);
    expect(loadConfig({ DATABASE_URL: DB, NODE_ENV: 'production', OBSERVABILITY_TEST_ERROR_ENABLED: 'true' }).testErrorEnabled).toBe(true);
    expect(loadConfig({ DATABASE_URL: DB, OBSERVABILITY_TEST_ERROR_ENABLED: 'false' }).testErrorEnabled).toBe(false);
  });
});
