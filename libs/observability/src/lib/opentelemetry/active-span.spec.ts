import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ClsServiceManager } from 'nestjs-cls';
import { Registry } from 'prom-client';
import { CaptureStream } from '../../../../../tools/testing/log-capture.js';
import { InternalErrors } from '../core/internal-errors.js';
import { runWithRequestId, TRACE_CONTEXT_KEY } from '../correlation/correlation-context.js';
import { parseTraceparent } from '../correlation/traceparent.js';
import { createPinoLogger } from '../logging/pino-logger.js';
import { resolveOptions } from '../options/resolve-options.js';
import { loadOpenTelemetry } from './active-span.js';

// The real OpenTelemetry SDK (tracer provider, AsyncLocalStorage context manager, in-memory exporter), registered
// the way an app registers it, and the module's logger reading the active span.
describe('log lines inside an OpenTelemetry span', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const out = new CaptureStream();
  let log: ReturnType<typeof createPinoLogger>;

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
    const options = resolveOptions({ serviceName: 'svc', logging: { destination: out, level: 'info' } }, {});
    log = createPinoLogger(options, new InternalErrors(new Registry()), (await loadOpenTelemetry())?.activeSpan);
  });
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
  });

  it('carries trace_id, span_id and trace_flags of the active span', () => {
    const tracer = trace.getTracer('test');
    const ids = tracer.startActiveSpan('work', (span) => {
      log.info('inside a span');
      span.end();
      return span.spanContext();
    });
    const line = out.lines.find((l) => l.msg === 'inside a span')!;
    expect(line).toMatchObject({ trace_id: ids.traceId, span_id: ids.spanId, trace_flags: '01' });
    expect(exporter.getFinishedSpans().map((s) => s.name)).toContain('work');
  });

  it('puts the span’s trace before the incoming header’s, and keeps the request id', () => {
    const cls = ClsServiceManager.getClsService();
    const incoming = parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')!;
    const ids = runWithRequestId('otel-1', () => {
      cls.set(TRACE_CONTEXT_KEY, incoming);
      log.info('request line outside a span');
      return trace.getTracer('test').startActiveSpan('handler', (span) => {
        log.info('request line inside a span');
        span.end();
        return span.spanContext();
      });
    });
    expect(out.lines.find((l) => l.msg === 'request line outside a span')).toMatchObject({ request_id: 'otel-1', trace_id: incoming.traceId });
    expect(out.lines.find((l) => l.msg === 'request line outside a span')).not.toHaveProperty('span_id');
    expect(out.lines.find((l) => l.msg === 'request line inside a span')).toMatchObject({ request_id: 'otel-1', trace_id: ids.traceId, span_id: ids.spanId });
  });

  it('marks an unsampled span as such', () => {
    const unsampled = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 0 });
    context.with(trace.setSpan(context.active(), unsampled), () => log.info('unsampled'));
    expect(out.lines.find((l) => l.msg === 'unsampled')).toMatchObject({ trace_id: '0af7651916cd43dd8448eb211c80319c', trace_flags: '00' });
  });

  it("keeps a span's fields in the context's store: the same object for its next reads there, new ones for another span or changed ids", async () => {
    const { activeSpan } = (await loadOpenTelemetry())!;
    const tracer = trace.getTracer('test');
    const [store, other]: Record<symbol, unknown>[] = [{}, {}];
    tracer.startActiveSpan('parent', (parent) => {
      const first = activeSpan(store)!;
      expect(first).toEqual({ trace_id: parent.spanContext().traceId, span_id: parent.spanContext().spanId, trace_flags: '01' });
      // Another context's read in between (requests interleave) keeps neither from its own.
      const inOther = activeSpan(other);
      expect(activeSpan(store)).toBe(first);
      expect(activeSpan(other)).toBe(inOther);
      // Without a store, nothing is kept.
      expect(activeSpan()).toEqual(first);
      expect(activeSpan()).not.toBe(first);
      const inChild = tracer.startActiveSpan('child', (child) => (child.end(), activeSpan(store)!));
      expect(inChild.span_id).not.toBe(first.span_id);
      expect(inChild.trace_id).toBe(first.trace_id);
      expect(activeSpan(store)).toEqual(first);
      parent.end();
    });
    // A span context is not frozen: the same object with other ids is read again, and an invalid one is no span.
    const spanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };
    const read = () => context.with(trace.setSpan(context.active(), trace.wrapSpanContext(spanContext)), () => activeSpan(store));
    expect(read()).toEqual({ trace_id: spanContext.traceId, span_id: spanContext.spanId, trace_flags: '01' });
    expect(read()).toBe(read());
    spanContext.spanId = '00f067aa0ba902b7';
    expect(read()?.span_id).toBe('00f067aa0ba902b7');
    spanContext.traceFlags = 0;
    expect(read()?.trace_flags).toBe('00');
    spanContext.traceId = '00000000000000000000000000000000';
    expect(read()).toBeUndefined();
    spanContext.traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    expect(read()?.trace_id).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('adds nothing outside a span, and nothing without the package', async () => {
    log.info('no span here');
    expect(out.lines.find((l) => l.msg === 'no span here')).not.toHaveProperty('trace_id');
    await expect(loadOpenTelemetry(() => Promise.reject(new Error('Cannot find package')))).resolves.toBeUndefined();
  });
});

// The bridge made before the app registers its SDK (an SDK started after the module loaded): no span is active
// while no context manager is registered, and the spans show as soon as one is (nothing about the SDK is kept).
describe('the active span, with the SDK registered after the bridge is made', () => {
  it('finds none before the context manager is registered, and the active one after', async () => {
    const bridge = (await loadOpenTelemetry())!;
    const provider = new TracerProvider();
    trace.setGlobalTracerProvider(provider);
    try {
      expect(trace.getTracer('test').startActiveSpan('before', (span) => (span.end(), bridge.activeSpan()))).toBeUndefined();
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      const [ids, seen] = trace.getTracer('test').startActiveSpan('after', (span) => (span.end(), [span.spanContext(), bridge.activeSpan()] as const));
      expect(seen).toEqual({ trace_id: ids.traceId, span_id: ids.spanId, trace_flags: '01' });
    } finally {
      await provider.shutdown();
      trace.disable();
      context.disable();
    }
  });
});
