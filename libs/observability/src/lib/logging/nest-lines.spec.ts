import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { type INestApplication, Logger as NestLogger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import fc from 'fast-check';
import { CLS_ID, ClsServiceManager } from 'nestjs-cls';
import { Logger } from 'nestjs-pino';
import { Registry } from 'prom-client';
import { RawCaptureStream, withoutTime } from '../../../../../tools/testing/log-capture.js';
import { InternalErrors } from '../core/internal-errors.js';
import { ObservabilityModule } from '../observability.module.js';
import { JOB_CONTEXT_OPTION } from '../queue/job-context.js';
import { JobPropagation } from '../queue/job-propagation.js';

const LEVELS = [
  ['log', 30],
  ['warn', 40],
  ['debug', 20],
  ['verbose', 10],
] as const;

// One app per file: nestjs-pino keeps one root logger per process, the first app's.
describe("Nest's Logger lines through the module (NestLines)", () => {
  const out = new RawCaptureStream();
  let app: INestApplication;
  let inner: Logger;
  const propagation = new JobPropagation({ serviceName: 'svc', internal: new InternalErrors(new Registry()), currentRoute: () => undefined });
  const inJob = <T>(fn: () => T) =>
    propagation.run({ name: 'repository-sync' }, { id: 7, name: 'sync', attemptsMade: 1, opts: { [JOB_CONTEXT_OPTION]: { v: 1, request_id: 'req-1' } } }, fn);

  beforeAll(async () => {
    @Module({ imports: [ObservabilityModule.forRoot({ serviceName: 'svc', logging: { destination: out, level: 'trace' }, metrics: { registry: new Registry() } })] })
    class AppModule {}
    app = await NestFactory.create(AppModule, { bufferLogs: true, abortOnError: false });
    inner = app.get(Logger);
    app.useLogger(inner);
    await app.init();
  });

  afterAll(async () => {
    await app.close();
  });

  /** What `write` writes, and whether it went through nestjs-pino's Logger. */
  function written(write: () => void): { lines: string[]; throughNestjsPino: boolean } {
    const spies = (['log', 'warn', 'debug', 'verbose', 'error', 'fatal'] as const).map((level) => jest.spyOn(inner, level));
    out.raw.length = 0;
    try {
      write();
      return { lines: out.raw.map(withoutTime), throughNestjsPino: spies.some((spy) => spy.mock.calls.length > 0) };
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  }

  it("writes a message under its logger's context byte for byte as nestjs-pino does, at every level, in a job's context and outside, without nestjs-pino", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 60 }),
        fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
        fc.constantFrom(...LEVELS),
        fc.boolean(),
        (message, context, [level, number], job) => {
          const run = job ? inJob : (fn: () => void) => fn();
          const viaNest = written(() => run(() => (context === undefined ? NestLogger[level](message) : new NestLogger(context)[level](message))));
          // Nest passes a logger's context on when it is not empty.
          const viaNestjsPino = written(() => run(() => (context ? inner[level](message, context) : inner[level](message))));
          expect(viaNest.throughNestjsPino).toBe(false);
          expect(viaNestjsPino.throughNestjsPino).toBe(true);
          expect(viaNest.lines).toEqual(viaNestjsPino.lines);
          expect(viaNest.lines).toHaveLength(1);
          const line = JSON.parse(viaNest.lines[0]);
          expect(line.level).toBe(number);
          expect(line.msg).toBe(message);
          if (job) expect(line).toMatchObject({ request_id: 'req-1', job_id: '7', queue: 'repository-sync', job_name: 'sync', attempt: 2 });
        },
      ),
      { numRuns: 200 },
    );
  });

  it("writes each of a context's lines with its fields as they are then: the fields' text is kept between lines, made again when the id changes", () => {
    // The second line reuses what the first made (LINE_FIELDS_KEY); the id set by other code after it must show.
    const sequence = (write: (context: string, level: 'log' | 'warn', message: string) => void) => () =>
      inJob(() => {
        write('A', 'log', 'first');
        write('B', 'warn', 'second');
        ClsServiceManager.getClsService().set(CLS_ID, 'req-2');
        write('A', 'log', 'third');
      });
    const viaNest = written(sequence((context, level, message) => new NestLogger(context)[level](message)));
    const viaNestjsPino = written(sequence((context, level, message) => inner[level](message, context)));
    expect(viaNest.throughNestjsPino).toBe(false);
    expect(viaNest.lines).toEqual(viaNestjsPino.lines);
    const lines = viaNest.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.request_id, l.job_id, l.attempt, l.context, l.msg])).toEqual([
      ['req-1', '7', 2, 'A', 'first'],
      ['req-1', '7', 2, 'B', 'second'],
      ['req-2', '7', 2, 'A', 'third'],
    ]);
  });

  it("writes a nestjs-pino context's bindings (runInContext) as nestjs-pino does", () => {
    const pinoLogger = (inner as unknown as { logger: { runInContext<T>(fn: () => T, options: { bindings: object }): T } }).logger;
    const inContext = (fn: () => void) => pinoLogger.runInContext(fn, { bindings: { tenant: 'acme' } });
    const viaNest = written(() => inContext(() => new NestLogger('Ctx').log('hello')));
    const viaNestjsPino = written(() => inContext(() => inner.log('hello', 'Ctx')));
    expect(viaNest.throughNestjsPino).toBe(false);
    expect(viaNest.lines).toEqual(viaNestjsPino.lines);
    expect(JSON.parse(viaNest.lines[0])).toMatchObject({ tenant: 'acme', context: 'Ctx', msg: 'hello' });
  });

  it('leaves every other line to nestjs-pino: errors, objects, extra arguments, a context holding a stack', () => {
    const stack = 'Error: boom\n    at somewhere (file.js:1:1)';
    const others: Array<() => void> = [
      () => new NestLogger('Ctx').error('failed'),
      () => new NestLogger('Ctx').fatal('failed'),
      () => new NestLogger('Ctx').log({ a: 1 }),
      () => new NestLogger('Ctx').log(new Error('an error')),
      () => new NestLogger('Ctx').log('with %s', 'an argument'),
      () => NestLogger.warn('a message', stack),
      () => NestLogger.log('a message', 42),
    ];
    for (const write of others) expect(written(write).throughNestjsPino).toBe(true);
  });

  it("keeps the module's error serializer on Nest's error lines: an error's secret headers are censored", () => {
    const err = Object.assign(new Error('boom'), { headers: { authorization: 'Bearer secret', accept: 'text/plain' } });
    const { lines } = written(() => new NestLogger('Ctx').error(err));
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]);
    expect(line).toMatchObject({ level: 50, context: 'Ctx', err: { type: 'Error', message: 'boom', headers: { authorization: '[Redacted]', accept: 'text/plain' } } });
    expect(lines[0]).not.toContain('Bearer secret');
  });

  it('writes nothing below the level, as pino would', () => {
    const root = (inner as unknown as { logger: { logger: { level: string } } }).logger.logger;
    const before = root.level;
    root.level = 'warn';
    try {
      const result = written(() => new NestLogger('Ctx').log('hidden'));
      expect(result).toEqual({ lines: [], throughNestjsPino: false });
      expect(written(() => new NestLogger('Ctx').warn('shown')).lines).toHaveLength(1);
    } finally {
      root.level = before;
    }
  });
});
