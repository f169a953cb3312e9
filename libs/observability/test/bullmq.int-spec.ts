import 'reflect-metadata';
import { BullModule, getQueueToken, Processor, WorkerHost } from '@nestjs/bullmq';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable, Logger, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FlowProducer, Queue as PlainQueue, Worker, type Job, type Queue } from 'bullmq';
import { Registry } from 'prom-client';
import { CaptureStream, waitFor } from '../../../tools/testing/log-capture.js';
import { getRequestId, ObservabilityModule, runWithRequestId } from '../src/index.js';

const QUEUE = 'bullmq-test';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const seen: Array<{ kind: string; requestId: string | undefined; attempt: number }> = [];
const log = new Logger('BullMqProcessor');

@Processor(QUEUE, { concurrency: 4 })
@Injectable()
class BullMqProcessor extends WorkerHost {
  async process(job: Job<{ kind: string }>): Promise<void> {
    seen.push({ kind: job.data.kind, requestId: getRequestId(), attempt: job.attemptsMade + 1 });
    log.log(`processing ${job.data.kind}`);
    if (job.data.kind === 'fail-once' && job.attemptsMade === 0) throw new Error('first attempt fails');
  }
}

// Real BullMQ (with @nestjs/bullmq's WorkerHost) on Redis: the context goes from add() into the processor.
describe('BullMQ: the context from add() into the processor', () => {
  const logs = new CaptureStream();
  let app: INestApplication;
  let queue: Queue;
  const redis = new URL(process.env.TEST_REDIS_URL!);
  const connection = { host: redis.hostname, port: Number(redis.port) };
  const prefix = `mq${Date.now()}`;
  const processed = (kind: string, count = 1) =>
    waitFor(() => (seen.filter((s) => s.kind === kind).length >= count ? seen.filter((s) => s.kind === kind) : undefined), `${kind} processed`, 15_000);

  beforeAll(async () => {
    @Module({
      imports: [
        ObservabilityModule.forRoot({ serviceName: 'bullmq-test', logging: { level: 'debug', destination: logs }, metrics: { registry: new Registry() } }),
        BullModule.forRoot({ connection, prefix }),
        BullModule.registerQueue({ name: QUEUE }),
      ],
      providers: [BullMqProcessor],
    })
    class BullMqTestModule {}
    app = await NestFactory.create(BullMqTestModule, new ExpressAdapter(), { logger: false, abortOnError: false });
    await app.init();
    queue = app.get<Queue>(getQueueToken(QUEUE));
  });
  afterAll(async () => {
    await app?.close();
  });

  it('runs the processor under the id of the context that added the job, and its lines carry the job fields', async () => {
    await runWithRequestId('mq-req-1', () => queue.add('work', { kind: 'single' }));
    const [job] = await processed('single');
    expect(job.requestId).toBe('mq-req-1');
    const line = await waitFor(() => logs.lines.find((l) => l.msg === 'processing single'), 'the processor line');
    expect(line).toMatchObject({ request_id: 'mq-req-1', queue: QUEUE, job_name: 'work', attempt: 1 });
    expect(line.job_id).toBeTruthy();
  });

  it('carries it through addBulk and through a retry', async () => {
    await runWithRequestId('mq-req-2', () =>
      queue.addBulk([
        { name: 'work', data: { kind: 'bulk' } },
        { name: 'work', data: { kind: 'bulk' } },
      ]),
    );
    await runWithRequestId('mq-req-3', () => queue.add('work', { kind: 'fail-once' }, { attempts: 2, backoff: 10 }));
    expect((await processed('bulk', 2)).map((s) => s.requestId)).toEqual(['mq-req-2', 'mq-req-2']);
    const attempts = await processed('fail-once', 2);
    expect(attempts.map((s) => [s.requestId, s.attempt])).toEqual([
      ['mq-req-3', 1],
      ['mq-req-3', 2],
    ]);
  });

  it('carries it into every job of a flow, the parent and its children', async () => {
    const flows = new FlowProducer({ connection, prefix });
    try {
      await runWithRequestId('mq-req-5', () =>
        flows.add({
          name: 'work',
          queueName: QUEUE,
          data: { kind: 'flow-parent' },
          children: [
            { name: 'work', queueName: QUEUE, data: { kind: 'flow-child' } },
            { name: 'work', queueName: QUEUE, data: { kind: 'flow-child' }, children: [{ name: 'work', queueName: QUEUE, data: { kind: 'flow-child' } }] },
          ],
        }),
      );
      const children = await processed('flow-child', 3);
      const [parent] = await processed('flow-parent');
      expect([...children, parent].map((s) => s.requestId)).toEqual(['mq-req-5', 'mq-req-5', 'mq-req-5', 'mq-req-5']);
    } finally {
      await flows.close();
    }
  });

  it('carries it into a processor function given to new Worker() as well', async () => {
    const name = 'bullmq-plain';
    const plainQueue = new PlainQueue(name, { connection, prefix });
    let resolveSeen: (id: string | undefined) => void = () => undefined;
    const seenId = new Promise<string | undefined>((resolve) => (resolveSeen = resolve));
    const worker = new Worker(name, async () => resolveSeen(getRequestId()), { connection, prefix });
    try {
      await runWithRequestId('mq-req-6', () => plainQueue.add('work', {}));
      expect(await seenId).toBe('mq-req-6');
    } finally {
      await worker.close();
      await plainQueue.close();
    }
  });

  it('gives the jobs of a job scheduler (a repeat) a fresh id each: the template is not the request', async () => {
    await runWithRequestId('mq-req-4', () => queue.upsertJobScheduler('repeat', { every: 50, limit: 2 }, { name: 'work', data: { kind: 'repeated' } }));
    const runs = await processed('repeated', 2);
    await queue.removeJobScheduler('repeat');
    for (const run of runs) expect(run.requestId).toMatch(UUID);
    expect(runs[0].requestId).not.toBe(runs[1].requestId);
  });

  it('gives a job added outside any context, or with a forged one, a fresh id', async () => {
    await queue.add('work', { kind: 'no-context' });
    await queue.add('work', { kind: 'forged' }, { observabilityContext: { v: 1, request_id: 'x y' } } as never);
    const [plain] = await processed('no-context');
    const [forged] = await processed('forged');
    expect(plain.requestId).toMatch(UUID);
    expect(forged.requestId).toMatch(UUID);
  });
});
