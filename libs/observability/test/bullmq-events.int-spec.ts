import 'reflect-metadata';
import { BullModule, getQueueToken, Processor, WorkerHost } from '@nestjs/bullmq';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { Queue as PlainQueue, Worker, type Job, type Queue } from 'bullmq';
import { Registry } from 'prom-client';
import { CaptureStream, waitFor } from '../../../tools/testing/log-capture.js';
import { getRequestId, ObservabilityModule, runWithRequestId } from '../src/index.js';

const QUEUE = 'bullmq-events';
const seen: Array<{ kind: string; requestId: string | undefined; at: number }> = [];
const rateLimited = new Set<string>();

@Processor(QUEUE, { concurrency: 2, limiter: { max: 2, duration: 400 } })
@Injectable()
class EventsProcessor extends WorkerHost {
  async process(job: Job<{ kind: string }>): Promise<string> {
    seen.push({ kind: job.data.kind, requestId: getRequestId(), at: Date.now() });
    if (job.data.kind === 'fail-once' && job.attemptsMade === 0) throw new Error('first attempt fails');
    if (job.data.kind === 'always-fails') throw new TypeError('never works');
    if (job.data.kind === 'rate-limited-once' && !rateLimited.has(String(job.id))) {
      // The processor says the service it calls is rate limited: BullMQ moves the job back to wait, no attempt spent.
      rateLimited.add(String(job.id));
      await this.worker.rateLimit(100);
      throw Worker.RateLimitError();
    }
    return 'done';
  }
}

// Real BullMQ on Redis: the job event lines and the bull_* metrics, as for Bull, from the Worker's events.
describe('BullMQ: job event lines and metrics', () => {
  const logs = new CaptureStream();
  const registry = new Registry();
  let app: INestApplication;
  let queue: Queue;
  const redis = new URL(process.env.TEST_REDIS_URL!);
  const connection = { host: redis.hostname, port: Number(redis.port) };
  const prefix = `mqe${Date.now()}`;
  const line = (msg: string, requestId: string) => waitFor(() => logs.lines.find((l) => l.msg === msg && l.request_id === requestId), `"${msg}" of ${requestId}`, 15_000);
  const sample = async (name: string, labels: Record<string, string>) => {
    const values = (await registry.getSingleMetric(name)?.get())?.values ?? [];
    return values.filter((v) => Object.entries(labels).every(([k, val]) => String(v.labels[k]) === val)).reduce((sum, v) => sum + v.value, 0);
  };

  beforeAll(async () => {
    @Module({
      imports: [
        ObservabilityModule.forRoot({ serviceName: 'bullmq-events', logging: { destination: logs }, metrics: { registry } }),
        BullModule.forRoot({ connection, prefix }),
        BullModule.registerQueue({ name: QUEUE }),
      ],
      providers: [EventsProcessor],
    })
    class EventsTestModule {}
    app = await NestFactory.create(EventsTestModule, new ExpressAdapter(), { logger: false, abortOnError: false });
    await app.init();
    queue = app.get<Queue>(getQueueToken(QUEUE));
  });
  afterAll(async () => {
    await app?.close();
  });
  beforeEach(() => logs.clear());

  it('logs "job completed" under the request id with the job fields and timings, and counts it', async () => {
    const before = await sample('bull_jobs_completed_total', { queue: QUEUE, job_name: 'work' });
    await runWithRequestId('mqe-1', () => queue.add('work', { kind: 'ok' }));
    const done = await line('job completed', 'mqe-1');
    expect(done).toMatchObject({ queue: QUEUE, job_name: 'work', attempt: 1 });
    expect(done.job_id).toBeTruthy();
    expect(typeof done.duration_ms).toBe('number');
    expect(typeof done.wait_ms).toBe('number');
    expect(await sample('bull_jobs_completed_total', { queue: QUEUE, job_name: 'work' })).toBe(before + 1);
    expect(await sample('bull_job_duration_seconds', { queue: QUEUE, job_name: 'work' })).toBeGreaterThanOrEqual(1);
  });

  it('logs a retried failure as "will retry", the next attempt as completed, and counts no failure', async () => {
    await runWithRequestId('mqe-2', () => queue.add('work', { kind: 'fail-once' }, { attempts: 2, backoff: 10 }));
    const retry = await line('job failed, will retry', 'mqe-2');
    expect(retry).toMatchObject({ level: 50, attempt: 1, attempts: 2, will_retry: true, err: { message: 'first attempt fails' } });
    expect(retry.error_fingerprint).toMatch(/^[0-9a-f]+$/);
    expect(await line('job completed', 'mqe-2')).toMatchObject({ attempt: 2 });
    expect(await sample('bull_jobs_failed_total', { queue: QUEUE })).toBe(0);
  });

  it('logs the last failed attempt as "failed for good" and counts it once, by error type, with an exemplar', async () => {
    await runWithRequestId('mqe-3', () => queue.add('fragile', { kind: 'always-fails' }, { attempts: 2, backoff: 10 }));
    expect(await line('job failed, will retry', 'mqe-3')).toMatchObject({ attempt: 1 });
    const final = await line('job failed for good', 'mqe-3');
    expect(final).toMatchObject({ attempt: 2, will_retry: false, job_name: 'fragile', err: { type: 'TypeError' } });
    expect(await sample('bull_jobs_failed_total', { queue: QUEUE, job_name: 'fragile', error_type: 'TypeError' })).toBe(1);
    const exposition = await registry.metrics();
    expect(exposition).toContain(`bull_jobs_failed_total{queue="${QUEUE}",job_name="fragile",error_type="TypeError"} 1`);
  });

  it('keeps the context of a delayed job and measures its wait from when it was due', async () => {
    const added = Date.now();
    await runWithRequestId('mqe-4', () => queue.add('work', { kind: 'delayed' }, { delay: 300 }));
    const delayed = await waitFor(() => seen.find((s) => s.kind === 'delayed'), 'the delayed job', 15_000);
    expect(delayed.requestId).toBe('mqe-4');
    expect(delayed.at - added).toBeGreaterThanOrEqual(300);
    // Waiting out its delay is not waiting in the queue.
    expect((await line('job completed', 'mqe-4')).wait_ms).toBeLessThan(250);
  });

  it('keeps the context of jobs the rate limiter held back', async () => {
    await runWithRequestId('mqe-5', () => queue.addBulk(Array.from({ length: 5 }, () => ({ name: 'work', data: { kind: 'limited' } }))));
    const limited = await waitFor(() => (seen.filter((s) => s.kind === 'limited').length === 5 ? seen.filter((s) => s.kind === 'limited') : undefined), 'the limited jobs', 15_000);
    expect(limited.map((s) => s.requestId)).toEqual(Array(5).fill('mqe-5'));
    // The limiter (2 per 400 ms) held some of them back: they ran in at least three windows.
    expect(limited[4].at - limited[0].at).toBeGreaterThanOrEqual(700);
  });

  it('keeps the context of a job the processor sent back with a manual rate limit', async () => {
    await runWithRequestId('mqe-7', () => queue.add('work', { kind: 'rate-limited-once' }));
    const runs = await waitFor(() => (seen.filter((s) => s.kind === 'rate-limited-once').length === 2 ? seen.filter((s) => s.kind === 'rate-limited-once') : undefined), 'both runs', 15_000);
    expect(runs.map((r) => r.requestId)).toEqual(['mqe-7', 'mqe-7']);
    expect(await line('job completed', 'mqe-7')).toMatchObject({ attempt: 1 });
  });

  it('reads the queue sizes and workers at scrape time', async () => {
    const exposition = await registry.metrics();
    expect(exposition).toMatch(new RegExp(`bull_queue_jobs\\{queue="${QUEUE}",state="completed"\\} [1-9]`));
    expect(exposition).toContain(`bull_queue_jobs{queue="${QUEUE}",state="prioritized"}`);
    expect(exposition).toContain(`bull_queue_jobs{queue="${QUEUE}",state="waiting-children"}`);
    expect(await sample('bull_queue_workers', { queue: QUEUE })).toBeGreaterThanOrEqual(1);
  });

  it('logs and counts a stalled job (its worker stopped renewing the lock) under its request id and name', async () => {
    // A queue of its own: BullMQ runs one stalled-job check per queue at a time, and the processor's holds it for 30 s.
    const name = 'bullmq-stalls';
    const stallQueue = new PlainQueue(name, { connection, prefix });
    let first = true;
    // A worker that takes the job and then neither renews its lock nor finishes in time: its own check finds it stalled.
    const stuck = new Worker(
      name,
      async () => {
        if (first) {
          first = false;
          await new Promise((r) => setTimeout(r, 1500));
        }
      },
      { connection, prefix, skipLockRenewal: true, lockDuration: 300, stalledInterval: 300 },
    );
    try {
      await runWithRequestId('mqe-6', () => stallQueue.add('slow', { kind: 'stalls' }));
      const stalled = await line('job stalled', 'mqe-6');
      expect(stalled).toMatchObject({ level: 40, queue: name, job_name: 'slow', attempt: 1 });
      expect(await sample('bull_jobs_stalled_total', { queue: name, job_name: 'slow' })).toBe(1);
      // Back in the queue, the job runs again under the same id.
      expect(await line('job completed', 'mqe-6')).toMatchObject({ queue: name });
    } finally {
      await stuck.close(true);
      await stallQueue.close();
    }
  });
});
