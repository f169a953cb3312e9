import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CaptureStream } from '../../../tools/testing/log-capture.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function idFor(app: TestApp, headers: Record<string, string>): Promise<string> {
  const res = await fetch(`${app.url}/items/1`, { headers });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { requestId: string };
  expect(res.headers.get('x-request-id')).toBe(body.requestId);
  return body.requestId;
}

describe.each(['express', 'fastify'] as const)('correlation.requestIdFromTrace on %s', (adapter) => {
  let on: TestApp;
  let off: TestApp;

  beforeAll(async () => {
    on = await startTestApp(adapter, new CaptureStream(), { correlation: { requestIdFromTrace: true } });
    off = await startTestApp(adapter, new CaptureStream());
  });
  afterAll(async () => {
    await on?.close();
    await off?.close();
  });

  it('takes the trace id as the request id when no id header came', async () => {
    expect(await idFor(on, { traceparent: TRACEPARENT })).toBe(TRACE_ID);
  });

  it('keeps a valid incoming id, and gives an invalid one a fresh id, trace or not', async () => {
    expect(await idFor(on, { traceparent: TRACEPARENT, 'X-Request-ID': 'mine-1' })).toBe('mine-1');
    expect(await idFor(on, { traceparent: TRACEPARENT, 'X-Request-ID': 'not valid!' })).toMatch(UUID);
  });

  it('makes a fresh id without a valid traceparent', async () => {
    expect(await idFor(on, {})).toMatch(UUID);
    expect(await idFor(on, { traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` })).toMatch(UUID);
  });

  it('is off by default: a fresh id even with a traceparent', async () => {
    expect(await idFor(off, { traceparent: TRACEPARENT })).toMatch(UUID);
  });
});
