import 'reflect-metadata';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, type INestApplication, Logger as NestLogger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import axios, { type AxiosError } from 'axios';
import { Logger } from 'nestjs-pino';
import type { Logger as PinoLogger } from 'pino';
import { Registry } from 'prom-client';
import { RawCaptureStream, waitFor } from '../../../../../tools/testing/log-capture.js';
import { InternalErrors } from '../core/internal-errors.js';
import { PINO_LOGGER } from '../core/tokens.js';
import { ObservabilityModule } from '../observability.module.js';
import { resolveOptions } from '../options/resolve-options.js';
import { JobEvents } from '../queue/job-events.js';
import { createPinoLogger } from './pino-logger.js';

const TOKEN = 'Bearer T0KEN-for-the-upstream';
const COOKIE = 'sid=UPSTREAM-C00KIE';
const SECRETS = /T0KEN|C00KIE/;

let upstream: http.Server;
let upstreamUrl: string;

/** A real axios error: a GET with an Authorization header, answered 502 with a cookie by a real HTTP server. */
async function upstreamError(): Promise<AxiosError> {
  try {
    await axios.get(`${upstreamUrl}/orders/7`, { headers: { Authorization: TOKEN } });
  } catch (error) {
    return error as AxiosError;
  }
  throw new Error('the upstream answered 2xx');
}

function logger(out: RawCaptureStream, registry = new Registry()): PinoLogger {
  return createPinoLogger(resolveOptions({ serviceName: 'svc', logging: { destination: out } }, {}), new InternalErrors(registry));
}

const lines = (out: RawCaptureStream) => out.raw.map((line) => JSON.parse(line) as Record<string, any>);

@Controller()
class OrdersController {
  private readonly logger = new NestLogger(OrdersController.name);

  @Get('orders')
  async orders(): Promise<string> {
    this.logger.error(await upstreamError());
    return 'degraded';
  }
}

describe('errors on log lines: what HTTP clients hang on them', () => {
  const appOut = new RawCaptureStream();
  let app: INestApplication;

  beforeAll(async () => {
    upstream = http.createServer((_req, res) => {
      res.setHeader('set-cookie', COOKIE);
      res.statusCode = 502;
      res.end('{"reason":"maintenance"}');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

    // One app per file: nestjs-pino keeps one root logger per process, the first app's.
    @Module({
      imports: [ObservabilityModule.forRoot({ serviceName: 'svc', logging: { destination: appOut }, metrics: { registry: new Registry() } })],
      controllers: [OrdersController],
    })
    class AppModule {}
    app = await NestFactory.create(AppModule, { bufferLogs: true, abortOnError: false });
    app.useLogger(app.get(Logger));
    await app.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    await app.close();
    await new Promise((resolve) => upstream.close(resolve));
  });

  it("writes an axios error as err with its message, stack and request's facts, not its token, cookies or socket", async () => {
    const out = new RawCaptureStream();
    const error = await upstreamError();
    logger(out).error({ err: error }, 'upstream failed');
    const [line] = lines(out);
    expect(out.raw[0]).not.toMatch(SECRETS);
    expect(line.err).toMatchObject({
      type: 'AxiosError',
      message: 'Request failed with status code 502',
      code: 'ERR_BAD_RESPONSE',
      config: { method: 'get', url: `${upstreamUrl}/orders/7`, headers: { Authorization: '[Redacted]' } },
      request: '[ClientRequest]',
      response: { status: 502, data: { reason: 'maintenance' }, headers: { 'set-cookie': '[Redacted]' }, request: '[ClientRequest]' },
    });
    expect(line.err.stack).toContain('Request failed with status code 502');
    // pino's own serialization wrote the ClientRequest's internals: its raw header text and the agent's sockets.
    expect(out.raw[0].length).toBeLessThan(4000);
    expect(error.config?.headers.Authorization).toBe(TOKEN);
  });

  it('writes it so under any other field and interpolated into a message, with its message and stack', async () => {
    const out = new RawCaptureStream();
    const error = await upstreamError();
    const log = logger(out);
    log.warn({ upstream_error: error, attempt: 2 }, 'retrying');
    log.error('call failed: %j', error);
    expect(out.raw.join('')).not.toMatch(SECRETS);
    const [retrying, failed] = lines(out);
    expect(retrying).toMatchObject({ attempt: 2, upstream_error: { type: 'AxiosError', config: { headers: { Authorization: '[Redacted]' } } } });
    expect(retrying.upstream_error.stack).toContain('Request failed');
    expect(failed.msg).toContain('"message":"Request failed with status code 502"');
  });

  it("writes it so from Nest's Logger and on a failed job's line", async () => {
    const response = await fetch(`http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}/orders`);
    expect(await response.text()).toBe('degraded');
    const logged = await waitFor(() => lines(appOut).find((line) => line.context === 'OrdersController'), "the controller's line");
    expect(logged.err).toMatchObject({ type: 'AxiosError', request: '[ClientRequest]', config: { headers: { Authorization: '[Redacted]' } } });

    const events = new JobEvents(app.get<PinoLogger>(PINO_LOGGER), new InternalErrors(new Registry()));
    events.failed('orders', { id: 9, name: 'charge', opts: { attempts: 3 } }, await upstreamError(), 1, false);
    const failed = await waitFor(() => lines(appOut).find((line) => line.msg === 'job failed, will retry'), 'the job line');
    expect(failed.err).toMatchObject({ type: 'AxiosError', response: { status: 502, headers: { 'set-cookie': '[Redacted]' } } });
    expect(appOut.raw.join('')).not.toMatch(SECRETS);
  });

  it('censors a secret header at any depth, keeps cycles and dates as JSON writes them, and stops at six levels', () => {
    const out = new RawCaptureStream();
    const deep: Record<string, unknown> = { authorization: 'T0KEN-deep' };
    let top = deep;
    for (let i = 0; i < 8; i++) top = { next: top };
    const loop: Record<string, unknown> = { name: 'loop', cookie: 'sid=C00KIE-loop' };
    loop.self = loop;
    const error = Object.assign(new Error('broken', { cause: new Error('inner') }), {
      previous: Object.assign(new Error('earlier'), { headers: { Cookie: COOKIE } }),
      at: new Date(0),
      loop,
      top,
      list: [{ 'Set-Cookie': ['a=C00KIE-list'] }],
    });
    logger(out).error({ err: error }, 'failed');
    expect(out.raw[0]).not.toMatch(SECRETS);
    const { err } = lines(out)[0];
    // pino writes the cause into the message and stack, and an error under another field as an error.
    expect(err).toMatchObject({ message: 'broken: inner', at: '1970-01-01T00:00:00.000Z', list: [{ 'Set-Cookie': '[Redacted]' }] });
    expect(err.previous).toMatchObject({ type: 'Error', message: 'earlier', headers: { Cookie: '[Redacted]' } });
    expect(err.loop).toEqual({ name: 'loop', cookie: '[Redacted]', self: '[Circular]' });
    expect(JSON.stringify(err.top)).toContain('"[Object]"');
    expect(loop.cookie).toBe('sid=C00KIE-loop');
  });

  it('writes type, message and stack of an error whose fields cannot be read, and counts a fault', async () => {
    const out = new RawCaptureStream();
    const registry = new Registry();
    const error = Object.defineProperty(new Error('unreadable upstream'), 'details', {
      enumerable: true,
      get() {
        throw new Error('getter failed');
      },
    });
    logger(out, registry).error({ err: error }, 'failed');
    const { err, msg } = lines(out)[0];
    expect(msg).toBe('failed');
    expect(err).toEqual({ type: 'Error', message: 'unreadable upstream', stack: expect.stringContaining('unreadable upstream') });
    const faults = (await registry.getSingleMetric('observability_internal_errors_total')!.get()).values.find((v) => v.labels.component === 'logging');
    expect(faults?.value).toBe(1);
  });

  it('still writes the line when not even the message of an error can be read', () => {
    const out = new RawCaptureStream();
    const error = new Proxy(new Error('hidden'), {
      get() {
        throw new Error('every read fails');
      },
    });
    expect(() => logger(out).error({ err: error }, 'failed')).not.toThrow();
    expect(lines(out)[0]).toMatchObject({ msg: 'failed', err: { type: 'Error', message: '[unreadable error]' } });
  });
});
