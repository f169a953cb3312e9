import { afterEach, describe, expect, it } from '@jest/globals';
import { Gauge } from 'prom-client';
import { CaptureStream } from '../../../tools/testing/log-capture.js';
import { ObservabilityModule } from '../src/index.js';
import { startTestApp, type AdapterKind, type TestApp } from './support/test-app.js';

describe.each<AdapterKind>(['express', 'fastify'])('metrics exposure on %s', (adapter) => {
  const logs = new CaptureStream();
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('demands the bearer token when one is set', async () => {
    app = await startTestApp(adapter, logs, { metrics: { bearerToken: 'scrape-secret-42' } });
    const none = await fetch(`${app.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect((await fetch(`${app.url}/metrics`, { headers: { Authorization: 'Bearer wrong-secret-42' } })).status).toBe(401);
    expect((await fetch(`${app.url}/metrics`, { headers: { Authorization: 'Bearer scrape-secret-4' } })).status).toBe(401);
    const ok = await fetch(`${app.url}/metrics`, { headers: { Authorization: 'Bearer scrape-secret-42' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('http_requests_total');
    expect((await fetch(`${app.url}/items/1`)).status).toBe(200);
  });

  it('serves the metrics on a port of their own, and not on the application port, and frees it on close', async () => {
    app = await startTestApp(adapter, logs, { metrics: { port: 0, host: '127.0.0.1' } });
    const address = app.app.get(ObservabilityModule).metricsAddress!;
    expect((await fetch(`${app.url}/metrics`)).status).toBe(404);
    await fetch(`${app.url}/items/1`);
    const res = await fetch(`http://127.0.0.1:${address.port}/metrics`, { headers: { Accept: 'application/openmetrics-text' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/http_requests_total\{method="GET",route="\/items\/:id",status_code="200"\} 1/);
    expect((await fetch(`http://127.0.0.1:${address.port}/other`)).status).toBe(404);
    await app.close();
    app = undefined;
    await expect(fetch(`http://127.0.0.1:${address.port}/metrics`)).rejects.toThrow();
  });

  it("answers HEAD with GET's headers and no body, collecting nothing, on the app's port and a port of its own", async () => {
    for (const own of [false, true]) {
      app = await startTestApp(adapter, logs, { metrics: own ? { port: 0, host: '127.0.0.1', bearerToken: 'scrape-secret-42' } : { bearerToken: 'scrape-secret-42' } });
      let collected = 0;
      new Gauge({ name: 'test_collections', help: 'Counts its collections.', registers: [app.registry], collect: () => void (collected += 1) });
      const base = own ? `http://127.0.0.1:${app.app.get(ObservabilityModule).metricsAddress!.port}` : app.url;
      const authorization = 'Bearer scrape-secret-42';
      expect((await fetch(`${base}/metrics`, { method: 'HEAD' })).status).toBe(401);
      for (const accept of ['application/openmetrics-text; version=1.0.0', 'text/plain']) {
        const get = await fetch(`${base}/metrics`, { headers: { Accept: accept, Authorization: authorization } });
        expect(await get.text()).toContain('test_collections');
        const before = collected;
        const head = await fetch(`${base}/metrics`, { method: 'HEAD', headers: { Accept: accept, Authorization: authorization } });
        expect(head.status).toBe(200);
        expect(head.headers.get('content-type')).toBe(get.headers.get('content-type'));
        expect(head.headers.get('cache-control')).toBe('no-store');
        expect(await head.text()).toBe('');
        expect(collected).toBe(before);
      }
      expect(collected).toBe(2);
      await app.close();
      app = undefined;
    }
  });

  it('adds the bounds the alert rules read to custom duration buckets, and warns once at start-up', async () => {
    logs.clear();
    app = await startTestApp(adapter, logs, { metrics: { durationBuckets: [0.1, 2] } });
    await fetch(`${app.url}/items/1`);
    const text = await (await fetch(`${app.url}/metrics`)).text();
    const bounds = [...text.matchAll(/http_request_duration_seconds_bucket\{le="([^"]+)",[^}]*route="\/items\/:id"/g)].map((m) => m[1]);
    expect(bounds).toEqual(['0.1', '0.5', '1', '2', '+Inf']);
    const warnings = logs.lines.filter((l) => l.added_buckets);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, added_buckets: [0.5, 1] });
  });
});
