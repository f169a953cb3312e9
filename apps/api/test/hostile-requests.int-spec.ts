import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CaptureStream, waitFor } from '../../../tools/testing/log-capture.js';
import { startApi, type ApiApp } from './support/api-app.js';

/** Sends raw request bytes and returns the status code (0 when the server closed without an answer). */
function raw(port: number, request: string | Buffer): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (c) => (answer += c));
    socket.on('error', () => resolve(0));
    socket.on('close', () => resolve(Number(answer.split(' ')[1]) || 0));
    // A request the server is still waiting on (or a socket it keeps open) counts as answered with nothing.
    socket.setTimeout(3000, () => socket.destroy());
    socket.write(request);
  });
}

describe.each(['express', 'fastify'] as const)('hostile paths, methods and bodies on %s', (adapter) => {
  const logs = new CaptureStream();
  let api: ApiApp;
  let port: number;
  const series = async () => (await api.registry.getSingleMetric('http_requests_total')!.get()).values.length;

  beforeAll(async () => {
    api = await startApi(adapter, logs);
    port = Number(new URL(api.url).port);
  });
  afterAll(async () => {
    await api?.close();
  });

  it('keeps series and log lines bounded and the service up', async () => {
    const before = await series();
    const paths = [
      `/${'a'.repeat(12_000)}`,
      '/..%2f..%2f..%2fetc%2fpasswd',
      '/api/v1/../../../etc/passwd',
      '/%00%ff%fe',
      `/api/v1/repositories/${'%41'.repeat(2000)}`,
      '/api/v1/repositories?limit=' + '9'.repeat(5000),
    ];
    const statuses: number[] = [];
    for (const path of paths) statuses.push(await raw(port, `GET ${path} HTTP/1.1\r\nHost: api\r\nConnection: close\r\n\r\n`));
    for (const method of ['PROPFIND', 'PURGE', 'SEARCH', 'MKCOL']) {
      statuses.push(await raw(port, `${method} /api/v1/repositories HTTP/1.1\r\nHost: api\r\nConnection: close\r\n\r\n`));
    }
    const huge = JSON.stringify({ name: 'x'.repeat(3_000_000), url: 'https://example.com' });
    statuses.push(await raw(port, `POST /api/v1/repositories HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\nContent-Length: ${huge.length}\r\nConnection: close\r\n\r\n${huge}`));
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    statuses.push(await raw(port, `POST /api/v1/repositories HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\nContent-Length: ${deep.length}\r\nConnection: close\r\n\r\n${deep}`));
    const deepObject = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
    statuses.push(await raw(port, `POST /api/v1/repositories HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\nContent-Length: ${deepObject.length}\r\nConnection: close\r\n\r\n${deepObject}`));
    const nul = '{"a":\u0000}';
    statuses.push(await raw(port, `POST /api/v1/repositories HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(nul)}\r\nConnection: close\r\n\r\n${nul}`));

    // No 5xx: every request was answered with a 2xx-4xx, or refused by the HTTP parser before reaching the app (0).
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect((await fetch(`${api.url}/health/live`)).status).toBe(200);
    await waitFor(() => logs.lines.filter((l) => l.msg === 'request completed').length >= 8 || undefined, 'access lines');
    // 14 hostile requests, but only as many series as (method class, route template, status) pairs they can form.
    expect((await series()) - before).toBeLessThanOrEqual(10);
    const values = (await api.registry.getSingleMetric('http_requests_total')!.get()).values;
    expect(values.every((v) => String(v.labels.route).length < 100 && !String(v.labels.route).includes('etc'))).toBe(true);
    expect(values.every((v) => ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'OTHER', 'TRACE', 'CONNECT'].includes(String(v.labels.method)))).toBe(true);
    const longest = Math.max(...logs.lines.map((l) => JSON.stringify(l).length));
    expect(longest).toBeLessThan(4096);
  }, 60_000);
});
