import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { CaptureStream, waitFor } from '../../../tools/testing/log-capture.js';
import { runWithRequestId, sqlCommentingClient } from '../src/index.js';
import { startDatabaseApp, type DatabaseApp } from './support/database-app.js';

// The real OpenTelemetry SDK registered before the app starts: a statement sent inside a span names that span in
// its comment's traceparent, as PostgreSQL saw it.
describe('SQL comments under OpenTelemetry', () => {
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })] });
  let app: DatabaseApp;

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
    app = await startDatabaseApp(process.env.TEST_DATABASE_URL!, new CaptureStream(), 1);
  });
  afterAll(async () => {
    await app?.close();
    await provider.shutdown();
    trace.disable();
    context.disable();
  });

  async function send(probe: string): Promise<void> {
    const Client = sqlCommentingClient();
    const client = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await client.connect();
    try {
      await client.query(`SELECT 1 AS ${probe}`);
    } finally {
      await client.end();
    }
  }

  const logged = (probe: string) =>
    waitFor(() => readFileSync(process.env.TEST_PG_LOG_FILE!, 'utf8').split('\n').find((l) => l.includes(probe) && l.includes('/*')), `the ${probe} statement`);

  it('names the span that sent the statement, in a request context and without one', async () => {
    const inRequest = await trace.getTracer('test').startActiveSpan('in-request', async (span) => {
      await runWithRequestId('sql-otel-1', () => send('otel_probe_one'));
      span.end();
      return span.spanContext();
    });
    expect(await logged('otel_probe_one')).toContain(`request_id='sql-otel-1',traceparent='00-${inRequest.traceId}-${inRequest.spanId}-01'`);

    const bare = await trace.getTracer('test').startActiveSpan('no-request', async (span) => {
      await send('otel_probe_two');
      span.end();
      return span.spanContext();
    });
    expect(await logged('otel_probe_two')).toContain(`traceparent='00-${bare.traceId}-${bare.spanId}-01'`);
  });

  it('gives two spans of one request their own traceparent each', async () => {
    const tracer = trace.getTracer('test');
    const ids = await runWithRequestId('sql-otel-2', async () => {
      const first = await tracer.startActiveSpan('first', async (span) => {
        await send('otel_probe_first');
        span.end();
        return span.spanContext().spanId;
      });
      const second = await tracer.startActiveSpan('second', async (span) => {
        await send('otel_probe_second');
        span.end();
        return span.spanContext().spanId;
      });
      return [first, second];
    });
    expect(await logged('otel_probe_first')).toContain(`-${ids[0]}-01'`);
    expect(await logged('otel_probe_second')).toContain(`-${ids[1]}-01'`);
  });
});
