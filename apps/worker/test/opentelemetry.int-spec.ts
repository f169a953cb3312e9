import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AppProcess } from '../../../tools/testing/app-process.js';

const root = join(import.meta.dirname, '../../..');

// The built api with the real OpenTelemetry SDK registered before it loads (the bench's setup: http and express
// instrumentation, AsyncLocalStorage context, W3C propagation, every span sampled): its log lines carry the span.
describe('the api under OpenTelemetry', () => {
  let api: AppProcess;

  beforeAll(async () => {
    api = await AppProcess.start(
      'api',
      { DATABASE_URL: process.env.TEST_DATABASE_URL!, REDIS_URL: process.env.TEST_REDIS_URL! },
      { script: join(root, 'dist/apps/api/main.js'), nodeArgs: ['--import', join(root, 'tools/bench/otel.mjs')] },
    );
  });
  afterAll(async () => {
    await api?.stop();
  });

  async function create(name: string, headers: Record<string, string>): Promise<Record<string, any>> {
    const res = await fetch(`${api.url}/api/v1/repositories`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ name, url: `https://example.com/${name}` }),
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    return api.waitForLine((l) => l.msg === `repository ${id} created`, 'the service line');
  }

  it('continues the incoming trace: the line has its trace id, a span id of its own and the flags', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const line = await create('otel-continued', { 'X-Request-ID': 'otel-1', traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    expect(line).toMatchObject({ request_id: 'otel-1', trace_id: traceId, trace_flags: '01' });
    expect(line.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(line.span_id).not.toBe('00f067aa0ba902b7');
  });

  it('gives a request without a traceparent the trace the SDK started', async () => {
    const line = await create('otel-new', { 'X-Request-ID': 'otel-2' });
    expect(line).toMatchObject({ request_id: 'otel-2', trace_flags: '01' });
    expect(line.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(line.span_id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('puts the span’s trace id on the access line and the request-duration exemplar', async () => {
    const line = await create('otel-exemplar', { 'X-Request-ID': 'otel-3' });
    const access = await api.waitForLine((l) => l.request_id === 'otel-3' && l.msg === 'request completed', 'the access line');
    expect(access.trace_id).toBe(line.trace_id);
    const metrics = await (await fetch(`${api.url}/metrics`, { headers: { Accept: 'application/openmetrics-text' } })).text();
    expect(metrics).toContain(`# {request_id="otel-3",trace_id="${line.trace_id}"}`);
  });

  it('keeps lines outside any span free of span fields', () => {
    const started = api.find((l) => l.msg === 'Nest application successfully started');
    expect(started).toBeDefined();
    expect(started).not.toHaveProperty('span_id');
  });
});
