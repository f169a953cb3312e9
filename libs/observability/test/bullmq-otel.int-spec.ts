import 'reflect-metadata';
import { BullModule, getQueueToken, Processor, WorkerHost } from '@nestjs/bullmq';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { context, propagation, SpanKind, trace, type SpanContext } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { Job, Queue } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';
import { Registry } from 'prom-client';
import { CaptureStream, waitFor } from '../../../tools/testing/log-capture.js';
import { getRequestId, ObservabilityModule, runWithRequestId } from '../src/index.js';

const QUEUE = 'bullmq-otel';
const seen: Array<{ requestId: string | undefined; span: SpanContext | undefined }> = [];

@Processor(QUEUE)
@Injectable()
class TracedProcessor extends WorkerHost {
  async process(_job: Job): Promise<void> {
    seen.push({ requestId: getRequestId(), span: trace.getActiveSpan()?.spanContext() });
  }
}

// BullMQ's telemetry slot taken by bullmq-otel (the real package and SDK) beside the module: both work.
describe('BullMQ with bullmq-otel in its telemetry option', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  let app: INestApplication;

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
    // What an SDK registers by default, and what bullmq-otel carries its context with.
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const redis = new URL(process.env.TEST_REDIS_URL!);
    @Module({
      imports: [
        ObservabilityModule.forRoot({ serviceName: 'bullmq-otel', logging: { destination: new CaptureStream() }, metrics: { registry: new Registry() } }),
        BullModule.forRoot({ connection: { host: redis.hostname, port: Number(redis.port) }, prefix: `mqo${Date.now()}`, telemetry: new BullMQOtel({ tracerName: 'bullmq-otel-test' }) }),
        BullModule.registerQueue({ name: QUEUE }),
      ],
      providers: [TracedProcessor],
    })
    class OtelTestModule {}
    app = await NestFactory.create(OtelTestModule, new ExpressAdapter(), { logger: false, abortOnError: false });
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
    await provider.shutdown();
    trace.disable();
    propagation.disable();
    context.disable();
  });

  it("keeps bullmq-otel's producer and consumer spans in the request's trace, the processor under the consumer span, and the request id", async () => {
    const queue = app.get<Queue>(getQueueToken(QUEUE));
    const request = await trace.getTracer('test').startActiveSpan('request', async (span) => {
      await runWithRequestId('otel-mq-1', () => queue.add('work', {}));
      span.end();
      return span.spanContext();
    });
    const processed = await waitFor(() => seen.find((s) => s.requestId === 'otel-mq-1'), 'the job processed', 10_000);
    const spans = await waitFor(() => {
      const ended = exporter.getFinishedSpans();
      return ended.some((s) => s.kind === SpanKind.CONSUMER) ? ended : undefined;
    }, "bullmq-otel's consumer span");
    const producer = spans.find((s) => s.kind === SpanKind.PRODUCER);
    const consumer = spans.find((s) => s.kind === SpanKind.CONSUMER)!;
    expect(producer?.spanContext().traceId).toBe(request.traceId);
    expect(consumer.spanContext().traceId).toBe(request.traceId);
    // The processor runs under bullmq-otel's consumer span, not under a parent the module would have put in its place.
    expect(processed.span).toMatchObject({ traceId: request.traceId, spanId: consumer.spanContext().spanId });
  });
});
