// A worker is killed (SIGKILL) in the middle of a job: once its lock lapses, the next worker start takes the job
// again, under the id of the request that queued it, and the job completes exactly once.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { AppProcess } from '../../../tools/testing/app-process.js';
import { QUEUE_LIBRARIES, queueEnv } from '../../../tools/testing/queue-library.js';
import { startRedis, type StartedService } from '../../../tools/testing/services.js';

describe.each(QUEUE_LIBRARIES)('worker killed mid-job (%s)', (library) => {
  let redis: StartedService;
  let api: AppProcess;
  let first: AppProcess;
  let second: AppProcess | undefined;
  let db: pg.Client;
  const env = () => ({ DATABASE_URL: process.env.TEST_DATABASE_URL!, ...queueEnv(library, redis.url), QUEUE_LOCK_MS: '1000' });

  beforeAll(async () => {
    redis = await startRedis();
    [api, first] = await Promise.all([AppProcess.start('api', env()), AppProcess.start('worker', { ...env(), SYNC_WORK_MS: '60000-60000' })]);
    db = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await Promise.all([api?.stop(), first?.stop(), second?.stop()]);
    redis?.stop();
  });

  it('is retried by the next worker with its original id and completes once', async () => {
    const created = await fetch(`${api.url}/api/v1/repositories`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'killed-mid-job', url: 'https://example.com/killed' }),
    });
    const repositoryId = ((await created.json()) as { id: string }).id;
    const queued = await fetch(`${api.url}/api/v1/repositories/${repositoryId}/sync`, { method: 'POST', headers: { 'X-Request-ID': 'killed-1' } });
    const { jobId } = (await queued.json()) as { jobId: string };
    await first.waitForLine((l) => l.job_id === jobId && l.msg === `sync of repository ${repositoryId} started`, 'job started');
    await first.kill();

    second = await AppProcess.start('worker', { ...env(), SYNC_WORK_MS: '0' });
    const done = await second.waitForLine((l) => l.msg === 'job completed' && l.job_id === jobId, 'job completed by the next worker', 20_000);
    expect(done.request_id).toBe('killed-1');
    const restarted = second.find((l) => l.job_id === jobId && l.msg === `sync of repository ${repositoryId} started`);
    expect(restarted).toMatchObject({ request_id: 'killed-1' });

    // Once: one sync_runs row, one completion, also a moment later.
    await new Promise((r) => setTimeout(r, 2500));
    const runs = await db.query('SELECT status, request_id FROM sync_runs WHERE repository_id = $1', [repositoryId]);
    expect(runs.rows).toEqual([{ status: 'succeeded', request_id: 'killed-1' }]);
    expect(second.lines.filter((l) => l.msg === 'job completed' && l.job_id === jobId)).toHaveLength(1);
    expect(second.crashReports()).toEqual([]);
  });
});
