import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startRedis, type StartedService } from '../../../tools/testing/services.js';
import { AppProcess } from '../../../tools/testing/app-process.js';
import { QUEUE_LIBRARIES, queueEnv } from '../../../tools/testing/queue-library.js';

/** Redis of its own, so stopping it leaves the other test files alone. */
describe.each(QUEUE_LIBRARIES)('Redis outage (%s)', (library) => {
  let redis: StartedService;
  let api: AppProcess;
  let worker: AppProcess;
  let repositoryId: string;

  beforeAll(async () => {
    redis = await startRedis();
    const env = { DATABASE_URL: process.env.TEST_DATABASE_URL!, ...queueEnv(library, redis.url) };
    [api, worker] = await Promise.all([AppProcess.start('api', env), AppProcess.start('worker', env)]);
    const res = await fetch(`${api.url}/api/v1/repositories`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'outage', url: 'https://example.com/outage' }),
    });
    repositoryId = ((await res.json()) as { id: string }).id;
    redis.stop();
    await new Promise((r) => setTimeout(r, 300));
  });
  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    redis?.stop();
  });

  it('answers a sync with 503 and the request id within 2 s', async () => {
    const started = Date.now();
    const res = await fetch(`${api.url}/api/v1/repositories/${repositoryId}/sync`, { method: 'POST', headers: { 'X-Request-ID': 'down-1' } });
    const took = Date.now() - started;
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ statusCode: 503, request_id: 'down-1' });
    expect(took).toBeLessThan(2000);
  });

  it('keeps reads working and says not ready', async () => {
    expect((await fetch(`${api.url}/api/v1/repositories/${repositoryId}`)).status).toBe(200);
    const health = await fetch(`${api.url}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ checks: { database: 'up', redis: 'down' } });
    expect((await fetch(`${worker.url}/health`)).status).toBe(503);
  });

  it('answers /metrics of both apps in under a second', async () => {
    for (const app of [api, worker]) {
      const started = Date.now();
      const res = await fetch(`${app.url}/metrics`);
      await res.text();
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1000);
    }
  });

  it('syncs again once Redis is back, without a restart', async () => {
    redis = await startRedis({ port: redis.port });
    let status = 0;
    let jobId = '';
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const answer = await fetch(`${api.url}/api/v1/repositories/${repositoryId}/sync`, { method: 'POST', headers: { 'X-Request-ID': 'back-1' } });
      status = answer.status;
      if (status === 202) {
        jobId = ((await answer.json()) as { jobId: string }).jobId;
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe(202);
    const done = await worker.waitForLine((l) => l.msg === 'job completed' && l.job_id === jobId, 'job after outage', 15_000);
    expect(done.request_id).toBe('back-1');
    expect((await fetch(`${api.url}/health`)).status).toBe(200);
  });

  it('never crashed nor printed an unhandled rejection', () => {
    expect([api.running, worker.running]).toEqual([true, true]);
    expect([...api.crashReports(), ...worker.crashReports()]).toEqual([]);
  });
});
