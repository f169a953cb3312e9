import { afterEach, describe, expect, it } from '@jest/globals';
import { ClsServiceManager } from 'nestjs-cls';
import { CaptureStream } from '../../../tools/testing/log-capture.js';
import { startTestApp, type AdapterKind, type TestApp } from './support/test-app.js';

/** A log destination whose access lines fail to write, as a full disk or a closed pipe would. */
class FailingAccessLog extends CaptureStream {
  override write(chunk: string): void {
    if (chunk.includes('"request completed"')) throw new Error('destination broken');
    super.write(chunk);
  }
}

async function internalErrors(app: TestApp, component: string): Promise<number> {
  const data = await app.registry.getSingleMetric('observability_internal_errors_total')!.get();
  return data.values.find((v) => v.labels.component === component)?.value ?? 0;
}

describe.each<AdapterKind>(['express', 'fastify'])('fault isolation on %s', (adapter) => {
  const logs = new FailingAccessLog();
  let app: TestApp | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('serves the request when a metric observation throws, and counts the fault', async () => {
    app = await startTestApp(adapter, logs);
    const histogram = app.registry.getSingleMetric('http_request_duration_seconds') as unknown as { observe: () => void };
    histogram.observe = () => {
      throw new Error('metric backend broken');
    };
    const res = await fetch(`${app.url}/items/1`, { headers: { 'X-Request-ID': 'fault-1' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { requestId?: string }).requestId).toBe('fault-1');
    await new Promise((r) => setTimeout(r, 20));
    expect(await internalErrors(app, 'metrics')).toBeGreaterThanOrEqual(1);
  });

  it('serves the request when writing the access line throws, and counts the fault', async () => {
    app = await startTestApp(adapter, logs);
    const res = await fetch(`${app.url}/items/2`);
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 20));
    expect(await internalErrors(app, 'access-log')).toBe(1);
  });

  it('serves the request when the CLS store cannot be entered, and counts the fault', async () => {
    app = await startTestApp(adapter, logs);
    const cls = ClsServiceManager.getClsService() as unknown as Record<'enterWith' | 'runWith', (...a: unknown[]) => unknown>;
    const originals = { enterWith: cls.enterWith, runWith: cls.runWith };
    cls.enterWith = () => {
      throw new Error('context store broken');
    };
    cls.runWith = cls.enterWith;
    try {
      const res = await fetch(`${app.url}/items/4`, { headers: { 'X-Request-ID': 'fault-cls' } });
      expect(res.status).toBe(200);
      // The id still reaches the response header; only the context (and what reads it) is missing.
      expect(res.headers.get('x-request-id')).toBe('fault-cls');
    } finally {
      Object.assign(cls, originals);
    }
    expect(await internalErrors(app, 'correlation')).toBeGreaterThanOrEqual(1);
  });

  it('still answers an error with its status and id when the error counter throws', async () => {
    app = await startTestApp(adapter, logs);
    const counter = app.registry.getSingleMetric('testapp_errors_total') as unknown as { inc: () => void };
    counter.inc = () => {
      throw new Error('counter broken');
    };
    const res = await fetch(`${app.url}/boom`, { headers: { 'X-Request-ID': 'fault-3' } });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ statusCode: 500, message: 'Internal server error', request_id: 'fault-3' });
    expect(await internalErrors(app, 'errors')).toBe(1);
  });
});
