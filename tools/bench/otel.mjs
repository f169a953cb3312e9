// OpenTelemetry auto-instrumentation for the bench's peer variant, loaded with `node --import`: the http and
// express instrumentations (Fastify has no instrumentation compatible with OpenTelemetry 3.x yet, so on Fastify
// only http is instrumented: a lower bound of OpenTelemetry's cost), every span sampled, context in
// AsyncLocalStorage, W3C trace context propagation, spans batched to an exporter that drops them.
// OTEL_INSTRUMENT_PG=on adds the pg instrumentation (the api's statements: api-instructions.mjs --otel), =sqlcommenter
// with its own sqlcommenter comments on (for the tests). OTEL_SPANS_FILE also writes every ended span there as a JSON
// line (for the tests).
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { BatchSpanProcessor, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

// ES modules (Nest 12 and the app) are patched through import-in-the-middle's loader hook.
register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);

let exported = 0;
const dropExporter = {
  export(spans, done) {
    exported += spans.length;
    done({ code: 0 });
  },
  shutdown: async () => {},
};
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
const spansFile = process.env.OTEL_SPANS_FILE;
const fileExporter = {
  export(spans, done) {
    const lines = spans.map((span) => {
      const { traceId, spanId } = span.spanContext();
      const statement = span.attributes['db.query.text'] ?? span.attributes['db.statement'];
      return `${JSON.stringify({ name: span.name, traceId, spanId, parentSpanId: span.parentSpanContext?.spanId, statement })}\n`;
    });
    appendFileSync(spansFile, lines.join(''));
    done({ code: 0 });
  },
  shutdown: async () => {},
};
const spanProcessors = [new BatchSpanProcessor({ exporter: dropExporter }), ...(spansFile ? [new SimpleSpanProcessor({ exporter: fileExporter })] : [])];
const provider = new TracerProvider({ spanProcessors });
trace.setGlobalTracerProvider(provider);
/** @type {import('@opentelemetry/instrumentation').Instrumentation[]} */
const instrumentations = [new HttpInstrumentation(), new ExpressInstrumentation()];
const pg = process.env.OTEL_INSTRUMENT_PG;
if (pg === 'on' || pg === 'sqlcommenter') instrumentations.push(new PgInstrumentation({ addSqlCommenterCommentToQueries: pg === 'sqlcommenter' }));
registerInstrumentations({ tracerProvider: provider, instrumentations });
// The runner reads this on exit to check that spans really were made.
process.once('beforeExit', () => process.stderr.write(`${JSON.stringify({ otelSpansExported: exported })}\n`));
// On SIGTERM the spans are flushed; the process exits here only when nothing else handles the signal (an app with
// Nest's shutdown hooks shuts down itself, and must get to run them: exiting here would cut them short).
process.on('SIGTERM', () => {
  void provider.forceFlush().finally(() => {
    process.stderr.write(`${JSON.stringify({ otelSpansExported: exported })}\n`);
    if (process.listenerCount('SIGTERM') === 1) process.exit(0);
  });
});
