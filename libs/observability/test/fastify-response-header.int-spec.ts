import 'reflect-metadata';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, type INestApplication, type MessageEvent, Module, Res, Sse } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Registry } from 'prom-client';
import { of } from 'rxjs';
import { CaptureStream, waitFor } from '../../../tools/testing/log-capture.js';
import { ObservabilityModule } from '../src/index.js';

// On Fastify the id goes among the reply's headers (the raw response untouched, so Node writes Fastify's headers on its
// fast path); every response written another way must still carry it, once.

interface FastifyReply {
  raw: http.ServerResponse;
  hijack(): void;
  header(name: string, value: string): FastifyReply;
}

@Controller()
class HeaderController {
  @Get('plain')
  plain() {
    return { ok: true };
  }

  @Get('own-id')
  ownId(@Res({ passthrough: true }) reply: FastifyReply) {
    reply.header('X-Request-ID', 'set-by-the-app');
    return { ok: true };
  }

  @Get('hijacked')
  hijacked(@Res() reply: FastifyReply) {
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/plain' });
    reply.raw.end('written on the raw response');
  }

  @Get('hijacked-implicit')
  hijackedImplicit(@Res() reply: FastifyReply) {
    reply.hijack();
    reply.raw.end('no writeHead at all');
  }

  @Get('hijacked-own-id')
  hijackedOwnId(@Res() reply: FastifyReply) {
    reply.hijack();
    reply.raw.writeHead(200, { 'X-Request-Id': 'raw-own', 'content-type': 'text/plain' });
    reply.raw.end('own id, other case');
  }

  @Get('items/:id')
  item() {
    return { ok: true };
  }

  @Get('slow')
  async slow() {
    await new Promise((resolve) => setTimeout(resolve, 500));
    return { ok: true };
  }

  @Sse('events')
  events() {
    return of<MessageEvent>({ data: 'one' });
  }
}

/** A GET through node:http: status, every header line as sent, and the body. */
function get(url: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; ids: string[]; body: string }>((resolve, reject) => {
    http
      .get(url, { headers, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          const ids: string[] = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2) if (res.rawHeaders[i].toLowerCase() === 'x-request-id') ids.push(res.rawHeaders[i + 1]);
          resolve({ status: res.statusCode ?? 0, ids, body });
        });
      })
      .on('error', reject);
  });
}

/** The app under test: a user's onRequest hook before the module's, and a look at the raw response before Fastify writes. */
async function startApp(logs: CaptureStream, rawHeadersBeforeWrite: string[][] = []) {
  const adapter = new FastifyAdapter();
  const fastify = adapter.getInstance();
  // A user's hook registered before the module's answers first (a rate limiter, an authentication check).
  fastify.addHook('onRequest', (request, reply, done) => {
    if (request.headers['x-test-limit']) reply.code(429).send({ limited: true });
    else done();
  });
  // What the raw response holds when Fastify is about to write it (onSend runs just before).
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (request.url === '/plain') rawHeadersBeforeWrite.push(reply.raw.getHeaderNames());
    done(null, payload);
  });
  @Module({
    imports: [ObservabilityModule.forRoot({ serviceName: 'fastify-header', logging: { destination: logs }, metrics: { registry: new Registry() } })],
    controllers: [HeaderController],
  })
  class HeaderModule {}
  const app = await NestFactory.create(HeaderModule, adapter, { logger: false, abortOnError: false });
  await app.listen(0, '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

describe('the request id header on Fastify', () => {
  const logs = new CaptureStream();
  const rawHeadersBeforeWrite: string[][] = [];
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startApp(logs, rawHeadersBeforeWrite));
  });
  afterAll(() => app?.close());

  it('goes among the reply headers, the raw response left untouched until Fastify writes it', async () => {
    const res = await get(`${url}/plain`, { 'X-Request-ID': 'plain-1' });
    expect(res).toMatchObject({ status: 200, ids: ['plain-1'] });
    expect(rawHeadersBeforeWrite).toEqual([[]]);
  });

  it.each([
    ['an earlier hook answering 429', '/plain', { 'x-test-limit': '1' }, 429],
    ['a hijacked reply written on the raw response', '/hijacked', {}, 200],
    ['a hijacked reply ended without writeHead', '/hijacked-implicit', {}, 200],
    ['a bad URL', '/items/%E0%A4%A', {}, 400],
    ['an unknown route', '/nowhere', {}, 404],
    ['Server-Sent Events', '/events', {}, 200],
    ['the metrics endpoint', '/metrics', {}, 200],
  ])('is on %s, once', async (_case, path, headers, status) => {
    const res = await get(`${url}${path}`, { 'X-Request-ID': `case-${status}`, ...headers });
    expect(res).toMatchObject({ status, ids: [`case-${status}`] });
  });

  it('is generated for a response written before the hook, when the client sent none', async () => {
    const res = await get(`${url}/items/%E0%A4%A`);
    expect(res.status).toBe(400);
    expect(res.ids).toEqual([expect.stringMatching(/^[0-9a-f-]{36}$/)]);
  });

  it("leaves the app's own header alone, whatever its case", async () => {
    expect(await get(`${url}/own-id`, { 'X-Request-ID': 'incoming' })).toMatchObject({ status: 200, ids: ['set-by-the-app'] });
    expect(await get(`${url}/hijacked-own-id`, { 'X-Request-ID': 'incoming' })).toMatchObject({ status: 200, ids: ['raw-own'] });
  });
});

describe('the request id header on Fastify while the app closes', () => {
  it("is on Fastify's 503 to a request that arrives while closing", async () => {
    const { app, url } = await startApp(new CaptureStream());
    const { port } = new URL(url);
    // A slow request keeps the connection busy while the app starts closing; a second one sent on it then reaches
    // Fastify closing, which answers it 503 on the raw response.
    const socket = net.connect(Number(port), '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    const request = (path: string, id: string) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-ID: ${id}\r\n\r\n`;
    socket.write(request('/slow', 'first-slow'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Fastify's own close, as Nest's app.close() ends with it (after the app's shutdown hooks, which take a while).
    const fastify = app.getHttpAdapter().getInstance() as { close(): Promise<void>; server: http.Server };
    const closed = fastify.close();
    // Fastify marks itself closing, then closes its server.
    await waitFor(() => !fastify.server.listening, 'the server closing');
    socket.write(request('/plain', 'second-late'));
    // Both bodies are JSON: two status lines and a closing brace at the end mean both responses are in.
    await waitFor(() => (received.match(/HTTP\/1\.1 /g)?.length ?? 0) >= 2 && received.endsWith('}'), 'two responses', 10_000);
    socket.destroy();
    await closed;
    await app.close();
    const responses = received.split(/(?=HTTP\/1\.1 )/);
    expect(responses.map((r) => r.slice(9, 12))).toEqual(['200', '503']);
    expect(responses[0]).toMatch(/\r\nx-request-id: first-slow\r\n/i);
    expect(responses[1].match(/\r\nx-request-id: [^\r]*/gi)).toEqual(['\r\nX-Request-ID: second-late']);
  });
});
