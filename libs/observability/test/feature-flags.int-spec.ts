import { afterEach, describe, expect, it } from '@jest/globals';
import { CaptureStream } from '../../../tools/testing/log-capture.js';
import { startTestApp, type AdapterKind, type TestApp } from './support/test-app.js';

const FLAGS = ['CORRELATION', 'LOGGING', 'ERRORS', 'METRICS'].map((f) => `OBSERVABILITY_${f}_ENABLED`);

describe.each<AdapterKind>(['express', 'fastify'])('feature flags on %s', (adapter) => {
  const logs = new CaptureStream();
  let app: TestApp | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
    for (const flag of FLAGS) delete process.env[flag];
    logs.clear();
  });

  it('with every feature off by environment, adds no header, no metrics endpoint, no access line, no series', async () => {
    for (const flag of FLAGS) process.env[flag] = 'false';
    app = await startTestApp(adapter, logs);
    const ok = await fetch(`${app.url}/items/1`, { headers: { 'X-Request-ID': 'off-1' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-request-id')).toBeNull();
    expect(((await ok.json()) as { requestId?: string }).requestId).toBeUndefined();

    const boom = await fetch(`${app.url}/boom`);
    expect(boom.status).toBe(500);
    expect(await boom.json()).toEqual({ statusCode: 500, message: 'Internal server error' });

    expect((await fetch(`${app.url}/metrics`)).status).toBe(404);
    expect(app.registry.getSingleMetric('http_requests_total')).toBeUndefined();
    expect(logs.lines.filter((l) => l.msg === 'request completed')).toHaveLength(0);
  });

  type Enhancer = { intercept?: unknown; canActivate?: unknown } | undefined;
  /** Global interceptors and guards Nest will run on each route (it skips entries without their method). */
  function activeGlobalEnhancers(test: TestApp): { interceptors: string[]; guards: string[] } {
    const config = (test.app as unknown as { config: { getGlobalInterceptors(): Enhancer[]; getGlobalGuards(): Enhancer[] } }).config;
    return {
      interceptors: config.getGlobalInterceptors().filter((i) => typeof i?.intercept === 'function').map((i) => i!.constructor.name),
      guards: config.getGlobalGuards().filter((g) => typeof g?.canActivate === 'function').map((g) => g!.constructor.name),
    };
  }

  it('mounts no global interceptor or guard in an HTTP app (the HTTP listener opens contexts), one interceptor when nonHttpContexts is set', async () => {
    app = await startTestApp(adapter, logs);
    expect(activeGlobalEnhancers(app)).toEqual({ interceptors: [], guards: [] });
    const res = await fetch(`${app.url}/items/1`, { headers: { 'X-Request-ID': 'no-interceptor' } });
    expect(((await res.json()) as { requestId?: string }).requestId).toBe('no-interceptor');
    await app.close();
    app = await startTestApp(adapter, logs, { correlation: { nonHttpContexts: true } });
    expect(activeGlobalEnhancers(app).interceptors).toEqual(['CorrelationInterceptor']);
    const again = await fetch(`${app.url}/items/1`, { headers: { 'X-Request-ID': 'with-interceptor' } });
    expect(((await again.json()) as { requestId?: string }).requestId).toBe('with-interceptor');
  });

  it('with metrics off by option, keeps correlation and errors', async () => {
    app = await startTestApp(adapter, logs, { metrics: { enabled: false } });
    const res = await fetch(`${app.url}/boom`, { headers: { 'X-Request-ID': 'm-off' } });
    expect(res.headers.get('x-request-id')).toBe('m-off');
    expect(((await res.json()) as { request_id?: string }).request_id).toBe('m-off');
    expect((await fetch(`${app.url}/metrics`)).status).toBe(404);
    expect(app.registry.getSingleMetric('testapp_errors_total')).toBeDefined();
  });

  it('counts 4xx too when countClientErrors is set', async () => {
    app = await startTestApp(adapter, logs, { errors: { countClientErrors: true } });
    await fetch(`${app.url}/missing/1`);
    const data = await app.registry.getSingleMetric('testapp_errors_total')!.get();
    expect(data.values).toContainEqual(
      expect.objectContaining({ value: 1, labels: { endpoint: '/missing/:id', status_code: '404', error_type: 'NotFoundException' } }),
    );
  });

  it('uses a configured header name and metrics path', async () => {
    app = await startTestApp(adapter, logs, { correlation: { header: 'X-Correlation-Id' }, metrics: { path: '/internal/metrics' } });
    const res = await fetch(`${app.url}/items/1`, { headers: { 'x-correlation-id': 'corr-7' } });
    expect(res.headers.get('x-correlation-id')).toBe('corr-7');
    const metrics = await fetch(`${app.url}/internal/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('http_requests_total');
  });

  it('stops start-up with a clear message on a malformed flag', async () => {
    process.env.OBSERVABILITY_METRICS_ENABLED = 'perhaps';
    await expect(startTestApp(adapter, logs)).rejects.toThrow('OBSERVABILITY_METRICS_ENABLED="perhaps" is not a boolean');
  });
});
