import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { type INestApplication, Logger as NestLogger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClsServiceManager } from 'nestjs-cls';
import { Logger } from 'nestjs-pino';
import { Registry } from 'prom-client';
import { RawCaptureStream, withoutTime } from '../../../../../tools/testing/log-capture.js';
import { InternalErrors } from '../core/internal-errors.js';
import { LINE_FIELDS_KEY } from '../correlation/correlation-context.js';
import { ObservabilityModule } from '../observability.module.js';
import { JOB_CONTEXT_OPTION } from '../queue/job-context.js';
import { JobPropagation } from '../queue/job-propagation.js';

// Nest's Logger lines inside OpenTelemetry spans (the real SDK, registered before the app as an app registers it): a
// context's fields' text is kept for the span active at its lines, and each line names the span active where it is
// written, byte for byte as nestjs-pino writes it. One app per file: nestjs-pino keeps one root logger per process.
describe("Nest's Logger lines inside OpenTelemetry spans (NestLines)", () => {
  const out = new RawCaptureStream();
  const provider = new TracerProvider();
  let app: INestApplication;
  let inner: Logger;
  const propagation = new JobPropagation({ serviceName: 'svc', internal: new InternalErrors(new Registry()), currentRoute: () => undefined });
  const inJob = <T>(fn: () => T) =>
    propagation.run({ name: 'repository-sync' }, { id: 7, name: 'sync', attemptsMade: 0, opts: { [JOB_CONTEXT_OPTION]: { v: 1, request_id: 'req-1' } } }, fn);

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
    @Module({ imports: [ObservabilityModule.forRoot({ serviceName: 'svc', logging: { destination: out, level: 'info' }, metrics: { registry: new Registry() } })] })
    class AppModule {}
    app = await NestFactory.create(AppModule, { bufferLogs: true, abortOnError: false });
    inner = app.get(Logger);
    app.useLogger(inner);
    await app.init();
  });

  afterAll(async () => {
    await app.close();
    await provider.shutdown();
    trace.disable();
    context.disable();
  });

  /** What `write` writes, and whether any of it went through nestjs-pino's Logger. */
  function written(write: () => void): { lines: string[]; throughNestjsPino: boolean } {
    const spy = jest.spyOn(inner, 'log');
    out.raw.length = 0;
    try {
      write();
      return { lines: out.raw.map(withoutTime), throughNestjsPino: spy.mock.calls.length > 0 };
    } finally {
      spy.mockRestore();
    }
  }

  it('names the span active at each line, in a parent span, a child span and the parent again, and keeps the text for the span', () => {
    const tracer = trace.getTracer('test');
    /** Each run's parent and child span ids, and the context's kept text after its first two lines. */
    const runs: { parent?: string; child?: string; kept?: unknown }[] = [];
    const sequence = (write: (message: string) => void) => () => {
      const run: (typeof runs)[number] = {};
      runs.push(run);
      inJob(() =>
        tracer.startActiveSpan('job', (parent) => {
          run.parent = parent.spanContext().spanId;
          write('first');
          write('second');
          run.kept = ClsServiceManager.getClsService().get(LINE_FIELDS_KEY);
          tracer.startActiveSpan('step', (child) => {
            run.child = child.spanContext().spanId;
            write('in the child');
            child.end();
          });
          write('back in the parent');
          parent.end();
          write('after the parent ended, still in its context');
        }),
      );
    };
    const viaNest = written(sequence((message) => new NestLogger('Sync').log(message)));
    const viaNestjsPino = written(sequence((message) => inner.log(message, 'Sync')));
    expect(viaNest.throughNestjsPino).toBe(false);
    expect(viaNestjsPino.throughNestjsPino).toBe(true);
    const spansOf = (lines: string[]) => lines.map((l) => (JSON.parse(l) as { span_id?: string }).span_id);
    for (const [lines, { parent, child }] of [[viaNest.lines, runs[0]], [viaNestjsPino.lines, runs[1]]] as const) {
      expect(spansOf(lines)).toEqual([parent, parent, child, parent, parent]);
    }
    expect(viaNest.lines.map((l) => JSON.parse(l) as Record<string, unknown>).map((l) => [l.msg, l.request_id, l.job_id, l.context])).toEqual([
      ['first', 'req-1', '7', 'Sync'],
      ['second', 'req-1', '7', 'Sync'],
      ['in the child', 'req-1', '7', 'Sync'],
      ['back in the parent', 'req-1', '7', 'Sync'],
      ['after the parent ended, still in its context', 'req-1', '7', 'Sync'],
    ]);
    // The two runs' spans differ; their lines are the same once the ids are taken out.
    const withoutIds = (l: string) => l.replace(/"(trace_id|span_id)":"[0-9a-f]+"/g, '"$1":"-"');
    expect(viaNest.lines.map(withoutIds)).toEqual(viaNestjsPino.lines.map(withoutIds));
    // The first lines' text was kept for the parent span, and names it.
    expect(runs[0].kept).toMatchObject({ span: { span_id: runs[0].parent, trace_flags: '01' } });
    expect((runs[0].kept as { text: string }).text).toContain(`"span_id":"${runs[0].parent}"`);
  });
});
