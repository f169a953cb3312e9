import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { CaptureStream, waitFor } from '../../../tools/testing/log-capture.js';
import { startRedis } from '../../../tools/testing/services.js';
import { renderMetrics } from '../src/lib/metrics/exposition.js';
import { QUEUE, seen, startQueueApp, type QueueApp } from './support/queue-app.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function value(app: QueueApp, name: string, labels: Record<string, string>): Promise<number> {
  const metric = app.registry.getSingleMetric(name);
  if (!metric) return 0;
  const values = (await metric.get()).values.filter((v) => Object.entries(labels).every(([k, val]) => String(v.labels[k]) === val));
  return values.reduce((sum, v) => sum + v.value, 0);
}

/** Waits until no job of the earlier tests is still waiting, running or due for a retry. */
async function settled(app: QueueApp): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const counts = await app.queue.getJobCounts();
    if (counts.waiting + counts.active + counts.delayed === 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('queue did not settle');
}

async function enqueue(app: QueueApp, kind: string, requestId?: string): Promise<{ jobId: string; requestId: string }> {
  const res = await fetch(`${app.url}/enqueue/${kind}`, { method: 'POST', headers: requestId ? { 'X-Request-ID': requestId } : {} });
  expect(res.status).toBe(201);
  return (await res.json()) as { jobId: string; requestId: string };
}

describe('Bull integration', () => {
  const logs = new CaptureStream();
  let app: QueueApp;

  beforeAll(async () => {
    app = await startQueueApp(process.env.TEST_REDIS_URL!, logs);
  });
  afterAll(async () => {
    // Closing Bull while it still moves jobs makes ioredis reject commands nobody awaits: let the queue go quiet first.
    if (app) await settled(app);
    await app?.close();
  });
  beforeEach(() => logs.clear());

  it('carries the request id into the job, its processor and every log line of the job', async () => {
    const { jobId } = await enqueue(app, 'ok', 'q-1');
    const done = await waitFor(() => logs.lines.find((l) => l.msg === 'job completed' && l.job_id === String(jobId)), 'job completed');
    expect(done).toMatchObject({ request_id: 'q-1', queue: QUEUE, job_name: 'work', attempt: 1 });
    expect(typeof done.duration_ms).toBe('number');
    expect(seen.find((s) => s.jobId === String(jobId))?.requestId).toBe('q-1');
    const processing = logs.lines.find((l) => l.msg === 'processing ok' && l.job_id === String(jobId));
    expect(processing).toMatchObject({ request_id: 'q-1', queue: QUEUE, job_name: 'work', attempt: 1, context: 'TestProcessor' });

    const job = await app.queue.getJob(jobId);
    expect(job?.data).toEqual({ kind: 'ok' });
    expect(job?.opts).toMatchObject({ observabilityContext: { v: 1, request_id: 'q-1', service: 'queue-test', route: '/enqueue/:kind' } });
  });

  it('keeps the original id across retries and logs the final failure and counts it once', async () => {
    const before = await value(app, 'bull_jobs_failed_total', { queue: QUEUE, job_name: 'work', error_type: 'Error' });
    const { jobId } = await enqueue(app, 'fail', 'q-2');
    const final = await waitFor(() => logs.lines.find((l) => l.msg === 'job failed for good' && l.job_id === String(jobId)), 'final failure');
    expect(final).toMatchObject({ request_id: 'q-2', attempt: 3, attempts: 3, will_retry: false, level: 50 });
    expect(final.err.stack).toContain('cannot process');
    expect(final.error_fingerprint).toMatch(/^[0-9a-f]{16}$/);
    const retries = logs.lines.filter((l) => l.msg === 'job failed, will retry' && l.job_id === String(jobId));
    expect(retries.map((l) => l.attempt)).toEqual([1, 2]);
    expect(retries.every((l) => l.request_id === 'q-2' && l.will_retry === true && l.level === 50)).toBe(true);
    const attempts = logs.lines.filter((l) => l.msg === 'processing fail' && l.job_id === String(jobId));
    expect(attempts.map((l) => [l.request_id, l.attempt])).toEqual([['q-2', 1], ['q-2', 2], ['q-2', 3]]);
    expect(logs.lines.filter((l) => l.msg === 'job failed for good' && l.job_id === String(jobId))).toHaveLength(1);
    expect(await value(app, 'bull_jobs_failed_total', { queue: QUEUE, job_name: 'work', error_type: 'Error' })).toBe(before + 1);
  });

  it('runs a job added outside any context under a fresh id of its own, and stores no context', async () => {
    const a = await app.queue.add('work', { kind: 'outside' });
    const b = await app.queue.add('work', { kind: 'outside' });
    await waitFor(() => [a, b].every((j) => seen.some((s) => s.jobId === String(j.id))), 'both processed');
    const ids = [a, b].map((j) => seen.find((s) => s.jobId === String(j.id))!.requestId);
    expect(ids[0]).toMatch(UUID);
    expect(ids[1]).toMatch(UUID);
    expect(ids[0]).not.toBe(ids[1]);
    expect((await app.queue.getJob(a.id))?.opts).not.toHaveProperty('observabilityContext');
  });

  it('ignores a forged context: an invalid id stored in Redis never reaches the logs', async () => {
    const job = await app.queue.add('work', { kind: 'forged' }, { observabilityContext: { request_id: "x*/ OR true /*" } } as never);
    await waitFor(() => seen.find((s) => s.jobId === String(job.id)), 'processed');
    expect(seen.find((s) => s.jobId === String(job.id))!.requestId).toMatch(UUID);
    expect(JSON.stringify(logs.lines)).not.toContain('OR true');
  });

  it('counts and logs a stalled job with the id it carries', async () => {
    const before = await value(app, 'bull_jobs_stalled_total', { queue: QUEUE, job_name: 'work' });
    // Stalls need a worker to die mid-job; Bull reports them with this event, which is what the integration hears.
    app.queue.emit('stalled', { id: 'stalled-1', name: 'work', attemptsMade: 0, timestamp: Date.now(), opts: { observabilityContext: { v: 1, request_id: 'st-1' } } });
    expect(await value(app, 'bull_jobs_stalled_total', { queue: QUEUE, job_name: 'work' })).toBe(before + 1);
    expect(logs.lines.find((l) => l.msg === 'job stalled')).toMatchObject({ request_id: 'st-1', job_id: 'stalled-1', level: 40 });
  });

  it('counts completed jobs and their durations, and reads queue sizes at scrape time', async () => {
    await settled(app);
    const before = await value(app, 'bull_jobs_completed_total', { queue: QUEUE, job_name: 'work' });
    const ids = await Promise.all(Array.from({ length: 5 }, (_, i) => enqueue(app, 'ok', `batch-${i}`)));
    await waitFor(
      () => ids.every(({ jobId }) => logs.lines.some((l) => l.msg === 'job completed' && l.job_id === String(jobId))),
      'batch completed',
    );
    expect(await value(app, 'bull_jobs_completed_total', { queue: QUEUE, job_name: 'work' })).toBe(before + 5);
    const duration = (await app.registry.getSingleMetric('bull_job_duration_seconds')!.get()).values;
    const count = duration.find(
      (v) => (v as { metricName?: string }).metricName === 'bull_job_duration_seconds_count' && v.labels.job_name === 'work',
    );
    expect(count?.value).toBeGreaterThanOrEqual(before + 5);
    expect(await value(app, 'bull_queue_jobs', { queue: QUEUE, state: 'completed' })).toBeGreaterThanOrEqual(before + 5);
    expect(await value(app, 'bull_queue_jobs', { queue: QUEUE, state: 'failed' })).toBeGreaterThanOrEqual(1);
    expect(await value(app, 'bull_queue_workers', { queue: QUEUE })).toBeGreaterThanOrEqual(1);
    const om = await renderMetrics(app.registry, 'openmetrics');
    expect(om.body).toMatch(/bull_job_duration_seconds_bucket\{[^}]*queue="observability-test"[^}]*\} \d+ # \{request_id="batch-\d"\}/);
  });
});

describe('Bull integration with Redis hanging', () => {
  it('answers /metrics in under a second, leaving the queue series out', async () => {
    const redis = await startRedis();
    const logs = new CaptureStream();
    const app = await startQueueApp(redis.url, logs, { queue: { scrapeTimeoutMs: 300 } });
    try {
      await app.queue.isReady();
      expect(await (await fetch(`${app.url}/metrics`)).text()).toContain('bull_queue_jobs{queue="observability-test",state="waiting"} 0');
      // Frozen, not gone: connections stay open and commands never get an answer, the hardest case for a scrape.
      redis.pause();
      const started = Date.now();
      const res = await fetch(`${app.url}/metrics`);
      const body = await res.text();
      const took = Date.now() - started;
      expect(res.status).toBe(200);
      expect(took).toBeLessThan(1000);
      expect(body).toContain('http_requests_total');
      expect(body).not.toContain('bull_queue_jobs{');
    } finally {
      // Let the commands that waited on the frozen server finish before closing, so none is cut off unanswered.
      redis.resume();
      await app.queue.getJobCounts();
      await new Promise((r) => setTimeout(r, 500));
      await app.close();
      redis.stop();
    }
  }, 30_000);
});
