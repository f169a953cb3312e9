import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { CaptureStream, waitFor } from '../../../tools/testing/log-capture.js';
import { runWithRequestId } from '../src/index.js';
import { seen, startQueueApp, type QueueApp } from './support/queue-app.js';

// The real OpenTelemetry SDK registered before the app starts, and real Bull on Redis: a job enqueued inside a span
// is processed with that span as its (remote) parent, so the processor's spans continue the trace.
describe('Bull jobs under OpenTelemetry', () => {
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })] });
  const logs = new CaptureStream();
  let app: QueueApp;

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
    app = await startQueueApp(process.env.TEST_REDIS_URL!, logs);
  });
  afterAll(async () => {
    for (let i = 0; i < 300 && (await app.queue.getActiveCount()) > 0; i++) await new Promise((r) => setTimeout(r, 10));
    await app?.close();
    await provider.shutdown();
    trace.disable();
    context.disable();
  });

  it('runs the processor under the span that enqueued the job, and its log lines carry that trace', async () => {
    const enqueuedBy = await trace.getTracer('test').startActiveSpan('enqueue', async (span) => {
      await runWithRequestId('otel-job-1', () => app.queue.add('work', { kind: 'traced' }));
      span.end();
      return span.spanContext();
    });
    const processed = await waitFor(() => seen.find((s) => s.requestId === 'otel-job-1'), 'the job processed', 10_000);
    expect(processed.span).toMatchObject({ traceId: enqueuedBy.traceId, spanId: enqueuedBy.spanId, isRemote: true });
    const line = await waitFor(() => logs.lines.find((l) => l.request_id === 'otel-job-1' && l.msg === 'processing traced'), 'the processor line');
    expect(line).toMatchObject({ trace_id: enqueuedBy.traceId, span_id: enqueuedBy.spanId });
  });

  it('leaves a job enqueued outside any span without a parent', async () => {
    await runWithRequestId('otel-job-2', () => app.queue.add('work', { kind: 'untraced' }));
    const processed = await waitFor(() => seen.find((s) => s.requestId === 'otel-job-2'), 'the job processed', 10_000);
    expect(processed.span).toBeUndefined();
  });
});
