import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { CaptureStream } from '../../../tools/testing/log-capture.js';
import { databaseUrl, migrate, root, run, startApi, type ApiApp } from './support/api-app.js';

describe('api start-up', () => {
  it.each([
    [{}, 'api failed to start: DATABASE_URL is not set'],
    [{ DATABASE_URL: 'localhost:5432' }, 'api failed to start: DATABASE_URL must use postgres://'],
    [{ DATABASE_URL: '::nonsense' }, 'api failed to start: DATABASE_URL is not a valid URL'],
    [{ DATABASE_URL: 'postgres://u@h/db' }, 'api failed to start: REDIS_URL is not set'],
  ])('stops the built api with one clear line for %j', async (env, message) => {
    const { DATABASE_URL: _db, REDIS_URL: _redis, ...rest } = process.env;
    const failure = await run(process.execPath, [join(root, 'dist/apps/api/main.js')], { env: { ...rest, ...env } }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr.trim().split('\n')).toHaveLength(1);
    expect(failure?.stderr).toContain(message);
  });

  it('applies migrations once: npm run migrate is idempotent', async () => {
    // globalSetup applied them already.
    expect((await migrate()).trim()).toBe('migrations: up to date');
    expect(databaseUrl()).toContain('commandcenter_test');
  });
});

describe.each(['express', 'fastify'] as const)('trigger-test-error on %s', (adapter) => {
  const logs = new CaptureStream();
  let api: ApiApp | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('is 404 in production', async () => {
    api = await startApi(adapter, logs, { NODE_ENV: 'production' });
    const res = await fetch(`${api.url}/api/v1/trigger-test-error`);
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('answers 500 in production when explicitly enabled', async () => {
    api = await startApi(adapter, logs, { NODE_ENV: 'production', OBSERVABILITY_TEST_ERROR_ENABLED: 'true' });
    expect((await fetch(`${api.url}/api/v1/trigger-test-error`)).status).toBe(500);
  });
});
