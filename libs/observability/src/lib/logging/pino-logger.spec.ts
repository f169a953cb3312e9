import { describe, expect, it } from '@jest/globals';
import { ClsServiceManager } from 'nestjs-cls';
import { CaptureStream } from '../../../../../tools/testing/log-capture.js';
import { LOG_FIELDS_KEY, runWithRequestId, TRACE_CONTEXT_KEY } from '../correlation/correlation-context.js';
import { resolveOptions } from '../options/resolve-options.js';
import { Registry } from 'prom-client';
import { InternalErrors } from '../core/internal-errors.js';
import { createPinoLogger } from './pino-logger.js';

function logger(destination: CaptureStream, redact: string[] = []) {
  const registry = new Registry();
  const options = resolveOptions({ serviceName: 'svc', logging: { destination, level: 'debug', redact } }, {});
  const faults = async () => (await registry.getSingleMetric('observability_internal_errors_total')!.get()).values.find((v) => v.labels.component === 'logging')?.value ?? 0;
  return { log: createPinoLogger(options, new InternalErrors(registry)), faults };
}

describe('createPinoLogger', () => {
  it('redacts authorization, cookie and set-cookie wherever a request or response is logged', () => {
    const out = new CaptureStream();
    const { log } = logger(out, ['body.password']);
    log.info(
      {
        req: { headers: { authorization: 'Bearer secret', cookie: 'sid=1', accept: 'json' } },
        res: { headers: { 'set-cookie': 'sid=2' } },
        headers: { authorization: 'Basic x' },
        body: { password: 'hunter2', user: 'ann' },
      },
      'incoming',
    );
    const line = out.lines[0];
    expect(line.req.headers).toEqual({ authorization: '[Redacted]', cookie: '[Redacted]', accept: 'json' });
    expect(line.res.headers['set-cookie']).toBe('[Redacted]');
    expect(line.headers.authorization).toBe('[Redacted]');
    expect(line.body).toEqual({ password: '[Redacted]', user: 'ann' });
    expect(JSON.stringify(out.lines)).not.toMatch(/secret|sid=|hunter2|Basic x/);
  });

  it('adds request_id and trace_id from the context to every line inside it, nothing outside', () => {
    const out = new CaptureStream();
    const { log } = logger(out);
    log.info('outside');
    runWithRequestId('req-1', () => {
      ClsServiceManager.getClsService().set(TRACE_CONTEXT_KEY, { traceId: 'a'.repeat(32) });
      log.warn('inside');
      log.child({ component: 'x' }).debug('child inside');
    });
    expect(out.lines[0]).not.toHaveProperty('request_id');
    expect(out.lines[1]).toMatchObject({ msg: 'inside', request_id: 'req-1', trace_id: 'a'.repeat(32), service: 'svc', level: 40 });
    expect(out.lines[2]).toMatchObject({ msg: 'child inside', request_id: 'req-1', component: 'x' });
  });

  it("adds a job's fields from the context to every line inside it; a line's own fields win, and no key is written twice", () => {
    const raw: string[] = [];
    const options = resolveOptions({ serviceName: 'svc', logging: { destination: { write: (s: string) => raw.push(s) } } }, {});
    const log = createPinoLogger(options, new InternalErrors(new Registry()));
    const fields = Object.create({ inherited: 'not mine' }) as Record<string, unknown>;
    Object.assign(fields, { job_id: '7', queue: 'sync', job_name: 'repo', attempt: 2 });
    runWithRequestId('job-req', () => {
      ClsServiceManager.getClsService().set(LOG_FIELDS_KEY, fields);
      log.info('plain');
      log.info({ attempt: 3, request_id: 'mine' }, 'own fields');
    }, 'job');
    log.info('after');
    const lines = raw.map((line) => JSON.parse(line));
    expect(lines[0]).toMatchObject({ msg: 'plain', request_id: 'job-req', job_id: '7', queue: 'sync', job_name: 'repo', attempt: 2 });
    expect(lines[0]).not.toHaveProperty('inherited');
    expect(lines[1]).toMatchObject({ msg: 'own fields', request_id: 'mine', job_id: '7', attempt: 3 });
    for (const key of ['request_id', 'attempt', 'job_id']) expect(raw[1].split(`"${key}"`)).toHaveLength(2);
    expect(lines[2]).not.toHaveProperty('job_id');
    expect(lines[2]).not.toHaveProperty('request_id');
  });

  it('lets an explicit request_id win over the context, without writing the key twice', () => {
    const out = new CaptureStream();
    const { log } = logger(out);
    const raw: string[] = [];
    const capture = { write: (s: string) => raw.push(s) };
    const options = resolveOptions({ logging: { destination: capture } }, {});
    const rawLog = createPinoLogger(options, new InternalErrors(new Registry()));
    runWithRequestId('ctx-id', () => {
      log.info({ request_id: 'explicit' }, 'x');
      rawLog.info({ request_id: 'explicit' }, 'x');
    });
    expect(out.lines[0].request_id).toBe('explicit');
    expect(raw[0].match(/"request_id"/g)).toHaveLength(1);
  });

  it('counts a failing context lookup instead of failing the log call', async () => {
    const out = new CaptureStream();
    const { log, faults } = logger(out);
    const cls = ClsServiceManager.getClsService();
    // The mixin reads the context through cls.get() (the whole store at once).
    const original = cls.get.bind(cls);
    cls.get = () => {
      throw new Error('store broken');
    };
    try {
      runWithRequestId('x', () => log.info('still written'));
    } finally {
      cls.get = original;
    }
    expect(out.lines[0].msg).toBe('still written');
    expect(await faults()).toBe(1);
  });
});
