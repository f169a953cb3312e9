import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { AppProcess, sample } from '../../../tools/testing/app-process.js';
import { QUEUE_LIBRARIES, queueEnv, type QueueLibrary } from '../../../tools/testing/queue-library.js';

const env = (library: QueueLibrary) => ({ DATABASE_URL: process.env.TEST_DATABASE_URL!, ...queueEnv(library, process.env.TEST_REDIS_URL!) });

async function createRepository(api: AppProcess, name: string): Promise<string> {
  const res = await fetch(`${api.url}/api/v1/repositories`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, url: `https://example.com/${name}` }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function requestSync(api: AppProcess, repositoryId: string, requestId: string) {
  const res = await fetch(`${api.url}/api/v1/repositories/${repositoryId}/sync`, { method: 'POST', headers: { 'X-Request-ID': requestId } });
  return { status: res.status, body: (await res.json()) as { jobId: string; request_id: string } };
}

describe.each(QUEUE_LIBRARIES)('api → queue → worker, end to end (%s)', (library) => {
  // Request ids of each library's run of their own: the PostgreSQL log holds both runs' statements.
  const q = (n: number) => `${library}-q-${n}`;
  let api: AppProcess;
  let worker: AppProcess;
  let db: pg.Client;

  beforeAll(async () => {
    [api, worker] = await Promise.all([AppProcess.start('api', env(library)), AppProcess.start('worker', env(library))]);
    db = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await Promise.all([api?.stop(), worker?.stop()]);
  });

  it('carries X-Request-ID q-1 from the api request into the worker logs and the sync_runs row', async () => {
    const id = await createRepository(api, 'commandcenter');
    const { status, body } = await requestSync(api, id, q(1));
    expect(status).toBe(202);
    expect(body).toEqual({ jobId: expect.any(String), request_id: q(1) });

    const done = await worker.waitForLine((l) => l.msg === 'job completed' && l.job_id === body.jobId, 'job completed');
    expect(done).toMatchObject({ request_id: q(1), queue: 'repository-sync', job_name: 'sync', attempt: 1, service: 'worker' });
    for (const msg of [`sync of repository ${id} started`, new RegExp(`^repository ${id} synced in \\d+ ms$`)]) {
      const line = worker.find((l) => (typeof msg === 'string' ? l.msg === msg : msg.test(l.msg)));
      expect(line).toMatchObject({ request_id: q(1), job_id: body.jobId, queue: 'repository-sync', job_name: 'sync', attempt: 1 });
      expect(line?.context).toBe('SyncProcessor');
    }
    const runs = await db.query('SELECT status, request_id, attempt, duration_ms FROM sync_runs WHERE repository_id = $1', [id]);
    expect(runs.rows).toEqual([{ status: 'succeeded', request_id: q(1), attempt: 1, duration_ms: expect.any(Number) }]);
    expect(runs.rows[0].duration_ms).toBeGreaterThanOrEqual(50);

    // The worker's writes reach PostgreSQL under the id of the api request that asked for the sync.
    const log = readFileSync(process.env.TEST_PG_LOG_FILE!, 'utf8').split('\n');
    const insert = log.find((l) => l.includes('INSERT INTO "sync_runs"') && l.includes(`request_id='${q(1)}'`));
    expect(insert).toContain(`/*application='worker',job='repository-sync%3Async',request_id='${q(1)}'*/`);
    expect(log.some((l) => l.includes('UPDATE "repositories" SET "last_synced_at"') && l.includes(`request_id='${q(1)}'`))).toBe(true);

    const view = (await (await fetch(`${api.url}/api/v1/repositories/${id}`)).json()) as Record<string, any>;
    expect(view.lastSyncedAt).not.toBeNull();
    expect(view.latestSyncRun).toMatchObject({ status: 'succeeded', requestId: q(1), attempt: 1 });
  });

  it('retries a fail- repository 3 times under the original id, logs and counts the final failure once', async () => {
    const before = sample(await worker.metrics(), 'bull_jobs_failed_total', { queue: 'repository-sync', error_type: 'SyncFailedError' });
    const id = await createRepository(api, 'fail-always');
    const { body } = await requestSync(api, id, q(2));
    const final = await worker.waitForLine((l) => l.msg === 'job failed for good' && l.job_id === body.jobId, 'final failure', 20_000);
    expect(final).toMatchObject({ request_id: q(2), attempt: 3, attempts: 3, will_retry: false, level: 50 });
    expect(final.err).toMatchObject({ type: 'SyncFailedError' });
    expect(final.err.stack).toContain('SyncProcessor.sync');

    const starts = worker.lines.filter((l) => l.msg === `sync of repository ${id} started`);
    expect(starts.map((l) => [l.request_id, l.attempt])).toEqual([[q(2), 1], [q(2), 2], [q(2), 3]]);
    const retries = worker.lines.filter((l) => l.msg === 'job failed, will retry' && l.job_id === body.jobId);
    expect(retries.map((l) => [l.request_id, l.attempt, l.will_retry])).toEqual([[q(2), 1, true], [q(2), 2, true]]);
    expect(worker.lines.filter((l) => l.msg === 'job failed for good' && l.job_id === body.jobId)).toHaveLength(1);

    const runs = await db.query('SELECT status, request_id, attempt FROM sync_runs WHERE repository_id = $1 ORDER BY attempt', [id]);
    expect(runs.rows).toEqual([1, 2, 3].map((attempt) => ({ status: 'failed', request_id: q(2), attempt })));
    const after = sample(await worker.metrics(), 'bull_jobs_failed_total', { queue: 'repository-sync', error_type: 'SyncFailedError' });
    expect(after - before).toBe(1);
  });

  it('counts known work in the worker metrics and reads queue states from Redis in one of the two apps', async () => {
    const labels = { queue: 'repository-sync', job_name: 'sync' };
    const metricsBefore = await worker.metrics();
    const completedBefore = sample(metricsBefore, 'bull_jobs_completed_total', labels);
    const durationsBefore = sample(metricsBefore, 'bull_job_duration_seconds_count', labels);
    const waitsBefore = sample(metricsBefore, 'bull_job_wait_seconds_count', labels);
    const ids = await Promise.all([1, 2, 3].map((i) => createRepository(api, `batch-${i}`)));
    const jobs = await Promise.all(ids.map((id, i) => requestSync(api, id, `batch-${i}`)));
    for (const { body } of jobs) await worker.waitForLine((l) => l.msg === 'job completed' && l.job_id === body.jobId, 'batch job');

    const metrics = await worker.metrics();
    expect(sample(metrics, 'bull_jobs_completed_total', labels) - completedBefore).toBe(3);
    expect(sample(metrics, 'bull_job_duration_seconds_count', labels) - durationsBefore).toBe(3);
    expect(sample(metrics, 'bull_job_wait_seconds_count', labels) - waitsBefore).toBe(3);

    // Both apps know the queue; the one holding the size-reading lease reports its sizes, the other does not. An app
    // of an earlier test file that did not shut down cleanly may still hold the lease: it lapses within 30 s.
    let readers: string[] = [];
    for (const deadline = Date.now() + 40_000; !readers.length && Date.now() < deadline; await new Promise((r) => setTimeout(r, 1000))) {
      readers = [await worker.metrics(), await api.metrics()].filter((m) => m.includes('bull_queue_jobs{queue="repository-sync"'));
    }
    expect(readers).toHaveLength(1);
    const [sizes] = readers;
    expect(sample(sizes, 'bull_queue_jobs', { queue: 'repository-sync', state: 'completed' })).toBeGreaterThanOrEqual(4);
    expect(sample(sizes, 'bull_queue_jobs', { queue: 'repository-sync', state: 'failed' })).toBeGreaterThanOrEqual(1);
    expect(sizes).toContain('bull_queue_jobs{queue="repository-sync",state="waiting"}');
    // BullMQ has a state of its own for jobs with a priority: the apps really run on the library asked for.
    expect(sizes.includes('bull_queue_jobs{queue="repository-sync",state="prioritized"}')).toBe(library === 'bullmq');
    expect(sample(sizes, 'bull_queue_workers', { queue: 'repository-sync' })).toBeGreaterThanOrEqual(1);

    const om = await (await fetch(`${worker.url}/metrics`, { headers: { Accept: 'application/openmetrics-text; version=1.0.0' } })).text();
    expect(om).toMatch(/bull_job_duration_seconds_bucket\{[^}]*\} \d+ # \{request_id="[^"]+"\}/);
  });

  it('reports the worker ready with its database and Redis', async () => {
    const res = await fetch(`${worker.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', checks: { database: 'up', redis: 'up' } });
  });
});
