import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Controller, Get, type INestApplication, Logger as NestLogger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import type { Logger as PinoLogger } from 'pino';
import { Registry } from 'prom-client';
import { RawCaptureStream } from '../../../../../tools/testing/log-capture.js';
import { InternalErrors } from '../core/internal-errors.js';
import { PINO_LOGGER } from '../core/tokens.js';
import { ObservabilityModule } from '../observability.module.js';
import { JobEvents } from '../queue/job-events.js';
import { JOB_CONTEXT_OPTION } from '../queue/job-context.js';
import { JobPropagation } from '../queue/job-propagation.js';

@Controller()
class ResetController {
  @Get('reset/:token')
  reset(): string {
    new NestLogger('PasswordReset').log('reset link opened');
    return 'ok';
  }
}

// One app per file: nestjs-pino keeps one root logger per process, the first app's.
describe('logging.redact paths on the lines the module writes itself (access line, job completed, Nest lines)', () => {
  const out = new RawCaptureStream();
  const SECRET = 'SECRET-TOKEN-1234';
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    @Module({
      imports: [
        ObservabilityModule.forRoot({
          serviceName: 'svc',
          logging: { destination: out, redact: ['path', 'request_id', 'context'] },
          metrics: { registry: new Registry() },
        }),
      ],
      controllers: [ResetController],
    })
    class AppModule {}
    app = await NestFactory.create(AppModule, { bufferLogs: true, abortOnError: false });
    app.useLogger(app.get(Logger));
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await app.close();
  });

  const linesWith = (msg: string) => out.raw.map((line) => JSON.parse(line)).filter((line) => line.msg === msg);

  it('censors them on the access line and on the Nest Logger lines of the request', async () => {
    const inner = jest.spyOn(app.get(Logger), 'log');
    const response = await fetch(`${base}/reset/${SECRET}`, { headers: { 'x-request-id': 'req-secret-1' } });
    expect(response.status).toBe(200);
    await new Promise((resolve) => setImmediate(resolve));
    expect(out.raw.join('\n')).not.toMatch(/SECRET-TOKEN|req-secret-1|PasswordReset/);
    expect(linesWith('request completed')).toEqual([
      expect.objectContaining({ path: '[Redacted]', request_id: '[Redacted]', route: '/reset/:token', status_code: 200 }),
    ]);
    expect(linesWith('reset link opened')).toEqual([expect.objectContaining({ context: '[Redacted]', request_id: '[Redacted]' })]);
    // Nest's line went through nestjs-pino, where pino's redaction runs.
    expect(inner).toHaveBeenCalledWith('reset link opened', 'PasswordReset');
    inner.mockRestore();
  });

  it("censors them on a job's completed line and on the Nest Logger lines of its processor", async () => {
    const internal = new InternalErrors(new Registry());
    const propagation = new JobPropagation({ serviceName: 'svc', internal, currentRoute: () => undefined });
    const events = new JobEvents(app.get<PinoLogger>(PINO_LOGGER), internal);
    const job = { id: 7, name: 'sync', attemptsMade: 0, opts: { [JOB_CONTEXT_OPTION]: { v: 1, request_id: 'req-secret-2' } } };
    propagation.run({ name: 'repository-sync' }, job, () => new NestLogger('SyncProcessor').log('sync started'));
    events.completed('repository-sync', job, 1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(out.raw.join('\n')).not.toMatch(/req-secret-2|SyncProcessor/);
    expect(linesWith('sync started')).toEqual([expect.objectContaining({ context: '[Redacted]', request_id: '[Redacted]', job_id: '7' })]);
    expect(linesWith('job completed')).toEqual([expect.objectContaining({ request_id: '[Redacted]', job_id: '7', queue: 'repository-sync' })]);
  });
});
