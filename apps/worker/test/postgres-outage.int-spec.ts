// PostgreSQL stops under the running api and worker and comes back: requests fail fast with their id, a job whose
// writes fail is retried and logged under its request id, nothing crashes or leaks an unhandled rejection, and
// both apps work again without a restart.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AppProcess } from '../../../tools/testing/app-process.js';
import { QUEUE_LIBRARIES, queueEnv } from '../../../tools/testing/queue-library.js';
import { startPostgres, startRedis, type StartedPostgres, type StartedService } from '../../../tools/testing/services.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/** PostgreSQL and Redis of its own, so stopping them leaves the other test files alone. */
describe.each(QUEUE_LIBRARIES)('PostgreSQL outage (%s)', (library) => {
  let postgres: StartedPostgres;
  let redis: StartedService;
  let api: AppProcess;
  let worker: AppProcess;
  let repositoryId: string;

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
    execFileSync(process.execPath, [join(root, 'dist/apps/api/migrate.js')], { env: { ...process.env, DATABASE_URL: postgres.url }, stdio: 'pipe' });
    const env = { DATABASE_URL: postgres.url, ...queueEnv(library, redis.url) };
    [api, worker] = await Promise.all([AppProcess.start('api', env), AppProcess.start('worker', { ...env, SYNC_WORK_MS: '1500-1500' })]);
    const res = await fetch(`${api.url}/api/v1/repositories`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'pg-outage', url: 'https://example.com/pg-outage' }),
    });
    repositoryId = ((await res.json()) as { id: string }).id;
  }, 60_000);

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    redis?.stop();
    postgres?.stop();
  });

  it('retries a job whose writes fail mid-outage and logs each failure under its request id', async () => {
    const queued = await fetch(`${api.url}/api/v1/repositories/${repositoryId}/sync`, { method: 'POST', headers: { 'X-Request-ID': 'pg-mid-1' } });
    expect(queued.status).toBe(202);
    const { jobId } = (await queued.json()) as { jobId: string };
    await worker.waitForLine((l) => l.job_id === jobId && /^sync of repository .* started$/.test(l.msg), 'job started');
    postgres.halt();
    const retry = await worker.waitForLine((l) => l.msg === 'job failed, will retry' && l.job_id === jobId, 'retry after the write failed', 10_000);
    expect(retry).toMatchObject({ request_id: 'pg-mid-1', attempt: 1, will_retry: true });
    const final = await worker.waitForLine((l) => l.msg === 'job failed for good' && l.job_id === jobId, 'final failure', 15_000);
    expect(final).toMatchObject({ request_id: 'pg-mid-1', attempt: 3 });
  });

  it('answers requests with a 5xx and their id within 5 s, and says not ready', async () => {
    const started = Date.now();
    const res = await fetch(`${api.url}/api/v1/repositories/${repositoryId}`, { headers: { 'X-Request-ID': 'pg-down-1' } });
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(await res.json()).toMatchObject({ request_id: 'pg-down-1' });
    expect(Date.now() - started).toBeLessThan(5000);
    const error = await api.waitForLine((l) => l.request_id === 'pg-down-1' && l.level === 50, 'error line');
    expect(error.err?.stack).toBeDefined();
    const health = await fetch(`${api.url}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ checks: { database: 'down', redis: 'up' } });
    expect((await fetch(`${worker.url}/health`)).status).toBe(503);
  });

  it('works again once PostgreSQL is back, without a restart: reads, enqueues, and the worker resumes', async () => {
    postgres.restart();
    let status = 0;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      status = (await fetch(`${api.url}/api/v1/repositories/${repositoryId}`)).status;
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe(200);
    const queued = await fetch(`${api.url}/api/v1/repositories/${repositoryId}/sync`, { method: 'POST', headers: { 'X-Request-ID': 'pg-back-1' } });
    expect(queued.status).toBe(202);
    const { jobId } = (await queued.json()) as { jobId: string };
    const done = await worker.waitForLine((l) => l.msg === 'job completed' && l.job_id === jobId, 'job after the outage', 15_000);
    expect(done.request_id).toBe('pg-back-1');
    expect((await fetch(`${api.url}/health`)).status).toBe(200);
    expect((await fetch(`${worker.url}/health`)).status).toBe(200);
  });

  it('never crashed nor printed an unhandled rejection', () => {
    expect([api.running, worker.running]).toEqual([true, true]);
    expect([...api.crashReports(), ...worker.crashReports()]).toEqual([]);
  });
});
