import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { CaptureStream, waitFor } from '../../../tools/testing/log-capture.js';
import { startTestApp, type AdapterKind, type TestApp } from './support/test-app.js';

interface InjectResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  json(): { requestId?: string };
  body: string;
}

/** A request that never reaches the HTTP server's 'request' event: supertest on the bare Express app, Fastify's inject. */
async function bypassingServer(adapter: AdapterKind, app: TestApp, path: string, headers: Record<string, string> = {}) {
  const instance = app.app.getHttpAdapter().getInstance();
  if (adapter === 'express') {
    const res = await request(instance).get(path).set(headers);
    return { status: res.status, requestId: res.headers['x-request-id'] as string | undefined, body: res.text };
  }
  const res = (await (instance as { inject(o: object): Promise<InjectResponse> }).inject({ method: 'GET', url: path, headers })) as InjectResponse;
  return { status: res.statusCode, requestId: res.headers['x-request-id'] as string | undefined, body: res.body };
}

describe.each<AdapterKind>(['express', 'fastify'])('requests that bypass the server on %s', (adapter) => {
  const logs = new CaptureStream();
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp(adapter, logs);
  });
  afterAll(() => app.close());

  it('still get their id, context, access line and route-template series', async () => {
    const res = await bypassingServer(adapter, app, '/items/7', { 'X-Request-ID': `bypass-${adapter}` });
    expect(res.status).toBe(200);
    expect(res.requestId).toBe(`bypass-${adapter}`);
    expect((JSON.parse(res.body) as { requestId?: string }).requestId).toBe(`bypass-${adapter}`);
    const line = await waitFor(() => logs.lines.find((l) => l.msg === 'request completed' && l.request_id === `bypass-${adapter}`), 'access line');
    expect(line).toMatchObject({ route: '/items/:id', status_code: 200 });
    const series = await app.registry.getSingleMetric('http_requests_total')!.get();
    expect(series.values).toContainEqual(expect.objectContaining({ labels: { method: 'GET', route: '/items/:id', status_code: '200' } }));
  });

  it('can read the metrics endpoint', async () => {
    const res = await bypassingServer(adapter, app, '/metrics');
    expect(res.status).toBe(200);
    expect(res.body).toContain('http_requests_total');
  });
});
