import 'reflect-metadata';
import { BullModule, InjectQueue, Process, Processor } from '@nestjs/bull';
import { trace } from '@opentelemetry/api';
import { Controller, Injectable, Logger, Module, Param, Post, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { Job, Queue } from 'bull';
import { Registry } from 'prom-client';
import { getRequestId, ObservabilityModule, type ObservabilityOptions } from '../../src/index.js';
import type { CaptureStream } from '../../../../tools/testing/log-capture.js';

export const QUEUE = 'observability-test';
const log = new Logger('TestProcessor');

/** What each processor invocation saw, in order. */
export const seen: Array<{
  jobId: string;
  kind: string;
  requestId: string | undefined;
  attempt: number;
  /** The span context active in the processor (with an OpenTelemetry SDK registered). */
  span?: { traceId: string; spanId: string; isRemote?: boolean };
}> = [];

@Processor(QUEUE)
@Injectable()
class TestProcessor {
  @Process({ name: 'work', concurrency: 4 })
  async work(job: Job<{ kind: string; ms?: number }>) {
    const span = trace.getActiveSpan()?.spanContext();
    seen.push({ jobId: String(job.id), kind: job.data.kind, requestId: getRequestId(), attempt: job.attemptsMade + 1, span });
    log.log(`processing ${job.data.kind}`);
    await new Promise((r) => setTimeout(r, job.data.ms ?? 5));
    if (job.data.kind === 'fail') throw new Error(`cannot process ${job.id}`);
    return { ok: true };
  }
}

@Controller()
class EnqueueController {
  constructor(@InjectQueue(QUEUE) private readonly queue: Queue) {}

  @Post('enqueue/:kind')
  async enqueue(@Param('kind') kind: string) {
    const job = await this.queue.add('work', { kind }, { attempts: 3, backoff: 10, removeOnComplete: false });
    return { jobId: job.id, requestId: getRequestId() };
  }
}

export interface QueueApp {
  app: INestApplication;
  url: string;
  registry: Registry;
  queue: Queue;
  close(): Promise<void>;
}

export async function startQueueApp(redisUrl: string, logs: CaptureStream, options: ObservabilityOptions = {}): Promise<QueueApp> {
  const registry = new Registry();
  @Module({
    imports: [
      ObservabilityModule.forRoot({
        serviceName: 'queue-test',
        ...options,
        logging: { level: 'debug', destination: logs },
        metrics: { registry },
      }),
      BullModule.forRoot({ url: redisUrl, prefix: `t${Date.now()}${Math.round(Math.random() * 1e6)}` }),
      BullModule.registerQueue({ name: QUEUE }),
    ],
    controllers: [EnqueueController],
    providers: [TestProcessor],
  })
  class QueueTestModule {}

  const app = await NestFactory.create(QueueTestModule, new ExpressAdapter(), { logger: false, abortOnError: false });
  app.enableShutdownHooks();
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const queue = app.get<Queue>(`BullQueue_${QUEUE}`);
  return { app, url, registry, queue, close: () => app.close() };
}
