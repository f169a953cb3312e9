import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { CaptureStream, waitFor } from '../../../tools/testing/log-capture.js';
import { startTestApp, type AdapterKind, type TestApp } from './support/test-app.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 };

async function get(app: TestApp, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${app.url}${path}`, { headers });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** A GET with header lines written byte for byte (fetch would trim values and merge repeated headers). */
function rawHeaderLines(app: TestApp, path: string, headerLines: string[]): Promise<{ status: number; body: any }> {
  const { hostname, port } = new URL(app.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      const head = [`GET ${path} HTTP/1.1`, `Host: ${hostname}`, 'Connection: close', ...headerLines, '', ''].join('\r\n');
      socket.end(Buffer.from(head, 'latin1'));
    });
    let data = '';
    socket.setEncoding('latin1').on('data', (chunk: string) => (data += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1]);
      const raw = data.slice(data.indexOf('\r\n\r\n') + 4);
      // Express may answer chunked: the JSON object is the part between the first { and the last }.
      const json = raw.slice(raw.indexOf('{'), raw.lastIndexOf('}') + 1);
      resolve({ status, body: json ? JSON.parse(json) : undefined });
    });
  });
}

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT}-01`;

/** W3C Trace Context through real HTTP: header lines sent, then what the app sees (traceparent, tracestate). */
const TRACE_CONTEXT_CASES: Array<[string, string[], string | null, string | null]> = [
  ['a valid header', [`traceparent: ${TRACEPARENT}`], TRACEPARENT, null],
  ['spaces and tabs around it', [`traceparent: \t ${TRACEPARENT} \t`], TRACEPARENT, null],
  ['a later version, forwarded unchanged', [`traceparent: cc-${TRACE_ID}-${PARENT}-01-future`], `cc-${TRACE_ID}-${PARENT}-01-future`, null],
  ['version ff', [`traceparent: ff-${TRACE_ID}-${PARENT}-01`], null, null],
  ['upper-case hex', [`traceparent: 00-${TRACE_ID.toUpperCase()}-${PARENT}-01`], null, null],
  ['a trailing no-break space', [`traceparent: ${TRACEPARENT}\u00a0`], null, null],
  ['the header twice', [`traceparent: ${TRACEPARENT}`, `traceparent: ${TRACEPARENT}`], null, null],
  ['tracestate beside it', [`traceparent: ${TRACEPARENT}`, 'tracestate: rojo=00f067aa0ba902b7 , congo=t61rcWkgMzE'], TRACEPARENT, 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE'],
  ['tracestate over two lines', [`traceparent: ${TRACEPARENT}`, 'tracestate: rojo=1', 'tracestate: congo=2'], TRACEPARENT, 'rojo=1,congo=2'],
  ['tracestate with invalid members', [`traceparent: ${TRACEPARENT}`, 'tracestate: Bad=1,rojo=2,x=a=b'], TRACEPARENT, 'rojo=2'],
  ['tracestate without a traceparent', ['tracestate: rojo=1'], null, null],
  ['tracestate beside an invalid traceparent', [`traceparent: 00-${'0'.repeat(32)}-${PARENT}-01`, 'tracestate: rojo=1'], null, null],
];

function accessLine(logs: CaptureStream, requestId: string) {
  return logs.lines.find((l) => l.request_id === requestId && l.msg === 'request completed');
}

async function metricValue(app: TestApp, name: string, labels: Record<string, string>): Promise<number> {
  const metric = app.registry.getSingleMetric(name);
  if (!metric) return 0;
  const data = await metric.get();
  const match = data.values.find((v) => Object.entries(labels).every(([k, val]) => String(v.labels[k]) === val));
  return match?.value ?? 0;
}

/** The HTTP contract of ObservabilityModule, run once per adapter. */
export function describeHttpBehaviour(adapter: AdapterKind): void {
  describe(`HTTP on ${adapter}`, () => {
    const logs = new CaptureStream();
    let app: TestApp;

    beforeAll(async () => {
      app = await startTestApp(adapter, logs);
    });
    afterAll(async () => {
      await app?.close();
    });
    beforeEach(() => logs.clear());

    describe('request id', () => {
      it('echoes a valid incoming X-Request-ID on the response, the body and every log line', async () => {
        const res = await get(app, '/items/7', { 'X-Request-ID': 'client-abc.123:x_y-z' });
        expect(res.status).toBe(200);
        expect(res.headers.get('x-request-id')).toBe('client-abc.123:x_y-z');
        expect(res.body.requestId).toBe('client-abc.123:x_y-z');
        await waitFor(() => accessLine(logs, 'client-abc.123:x_y-z'), 'access line');
      });

      it('generates a UUID when the header is absent', async () => {
        const res = await get(app, '/items/1');
        const id = res.headers.get('x-request-id');
        expect(id).toMatch(UUID);
        expect(res.body.requestId).toBe(id);
      });

      it.each([
        ['SQL comment breakout', "x*/ OR true /*"],
        ['quotes', `it's "quoted"`],
        ['200 characters', 'a'.repeat(200)],
        ['spaces', 'has space'],
        ['non-ASCII', 'idé-ünïcode'],
        ['empty', ''],
      ])('replaces a hostile id (%s) with a fresh UUID and never logs the raw value', async (_name, hostile) => {
        const headers: Record<string, string> = {};
        if (hostile !== 'idé-ünïcode') headers['X-Request-ID'] = hostile;
        const res =
          hostile === 'idé-ünïcode'
            ? await rawGet(app.url, '/items/2', { 'X-Request-ID': Buffer.from(hostile, 'latin1').toString('latin1') })
            : await get(app, '/items/2', headers);
        const id = res.headers.get('x-request-id');
        expect(id).toMatch(UUID);
        expect(res.body.requestId).toBe(id);
        await waitFor(() => accessLine(logs, id!), 'access line');
        if (hostile !== '') {
          const raw = JSON.stringify(logs.lines);
          expect(raw).not.toContain(JSON.stringify(hostile).slice(1, -1));
        }
        if (hostile !== '' || adapter === 'express' || adapter === 'fastify') {
          const replaced = logs.lines.filter((l) => l.msg === 'incoming request id replaced');
          if (hostile === '') {
            expect(replaced.length).toBeLessThanOrEqual(1);
          } else {
            expect(replaced).toHaveLength(1);
            expect(replaced[0].request_id).toBe(id);
            expect(replaced[0].level).toBe(LEVEL.debug);
          }
        }
      });

      it('keeps the trace id of a valid traceparent and ignores an invalid one', async () => {
        const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
        const ok = await get(app, '/items/3', { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
        expect(ok.body.traceId).toBe(traceId);
        const line = await waitFor(() => accessLine(logs, ok.headers.get('x-request-id')!), 'access line');
        expect(line.trace_id).toBe(traceId);
        const handlerLine = logs.lines.find((l) => l.msg?.startsWith('handler saw') && l.request_id === ok.body.requestId);
        expect(handlerLine?.trace_id).toBe(traceId);

        const bad = await get(app, '/items/3', { traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` });
        expect(bad.status).toBe(200);
        expect(bad.body.traceId).toBeNull();
      });

      it.each(TRACE_CONTEXT_CASES)('reads W3C trace context as the specification says: %s', async (_name, lines, traceparent, tracestate) => {
        const res = await rawHeaderLines(app, '/items/5', lines);
        expect(res.status).toBe(200);
        expect(res.body.traceparent).toBe(traceparent);
        expect(res.body.tracestate).toBe(tracestate);
        expect(res.body.traceId).toBe(traceparent ? TRACE_ID : null);
      });

      it('opens the context before guards, interceptors, pipes and handlers', async () => {
        const res = await get(app, '/items/9', { 'X-Request-ID': 'ctx-check-1' });
        expect(res.status).toBe(200);
        for (const step of ['guard', 'interceptor', 'pipe', 'handler']) {
          const line = logs.lines.find((l) => l.msg === `${step} saw ctx-check-1`);
          expect(line).toBeDefined();
          expect(line!.request_id).toBe('ctx-check-1');
          expect(line!.context).toBe('TestApp');
          expect(line!.service).toBe('test-app');
        }
      });
    });

    describe('errors', () => {
      it('answers 404 for an unknown route with the id in header and body', async () => {
        const res = await get(app, '/no/such/route', { 'X-Request-ID': 'nf-1' });
        expect(res.status).toBe(404);
        expect(res.headers.get('x-request-id')).toBe('nf-1');
        expect(res.body).toMatchObject({ statusCode: 404, request_id: 'nf-1' });
        const warn = await waitFor(() => logs.lines.find((l) => l.request_id === 'nf-1' && l.level === LEVEL.warn), 'warn line');
        expect(warn.route).toBe('unmatched');
        expect(warn.err.stack).toBeUndefined();
      });

      it('keeps an HttpException status and body, adds request_id, logs at warn without a stack', async () => {
        const res = await get(app, '/missing/5', { 'X-Request-ID': 'miss-1' });
        expect(res.status).toBe(404);
        expect(res.body).toEqual({ statusCode: 404, message: 'item 5 not found', error: 'Not Found', request_id: 'miss-1' });
        const warn = logs.lines.find((l) => l.request_id === 'miss-1' && l.level === LEVEL.warn);
        expect(warn).toMatchObject({ route: '/missing/:id', status_code: 404, method: 'GET' });
        expect(warn!.err).toEqual({ type: 'NotFoundException', message: 'item 5 not found' });
        expect(warn!.error_fingerprint).toMatch(/^[0-9a-f]{16}$/);
      });

      it('turns an unknown error into a generic 500 and logs it at error with its stack', async () => {
        const res = await get(app, '/boom', { 'X-Request-ID': 'boom-1', 'x-test-user': 'user-42' });
        expect(res.status).toBe(500);
        expect(res.headers.get('x-request-id')).toBe('boom-1');
        expect(res.body).toEqual({ statusCode: 500, message: 'Internal server error', request_id: 'boom-1' });
        expect(res.text).not.toContain('kaboom');
        const line = logs.lines.find((l) => l.request_id === 'boom-1' && l.level === LEVEL.error);
        expect(line).toBeDefined();
        expect(line!.err.type).toBe('KaboomError');
        expect(line!.err.message).toMatch(/^kaboom for /);
        expect(line!.err.stack).toContain('TestController.boom');
        expect(line).toMatchObject({ method: 'GET', route: '/boom', status_code: 500, user_id: 'user-42', service: 'test-app' });
        expect(line!.error_fingerprint).toMatch(/^[0-9a-f]{16}$/);
      });

      it('gives the same fingerprint to the same error from two requests, another to a different error', async () => {
        await get(app, '/boom', { 'X-Request-ID': 'fp-1' });
        await get(app, '/boom', { 'X-Request-ID': 'fp-2' });
        await get(app, '/boom-async', { 'X-Request-ID': 'fp-3' });
        const fp = (id: string) => logs.lines.find((l) => l.request_id === id && l.level === LEVEL.error)?.error_fingerprint;
        expect(fp('fp-1')).toBeDefined();
        expect(fp('fp-1')).toBe(fp('fp-2'));
        expect(fp('fp-3')).toBeDefined();
        expect(fp('fp-3')).not.toBe(fp('fp-1'));
      });

      it("runs the app's own exception filters inside the context", async () => {
        const res = await get(app, '/teapot', { 'X-Request-ID': 'tea-1' });
        expect(res.status).toBe(418);
        expect(res.body).toEqual({ teapot: true, requestId: 'tea-1' });
        expect(res.headers.get('x-request-id')).toBe('tea-1');
        expect(logs.lines.find((l) => l.msg === 'filter saw tea-1')).toMatchObject({ request_id: 'tea-1', context: 'TestApp' });
      });

      it('answers a guard rejection with its status and the id, inside the context', async () => {
        const res = await get(app, '/denied', { 'X-Request-ID': 'deny-1' });
        expect(res.status).toBe(403);
        expect(res.body).toMatchObject({ statusCode: 403, message: 'not for you', request_id: 'deny-1' });
        expect(logs.lines.find((l) => l.msg === 'deny guard ran')?.request_id).toBe('deny-1');
        expect(logs.lines.find((l) => l.request_id === 'deny-1' && l.level === LEVEL.warn)?.route).toBe('/denied');
      });

      it('counts 5xx in <prefix>_errors_total by route template, not 4xx by default', async () => {
        const before = await metricValue(app, 'testapp_errors_total', { endpoint: '/boom', status_code: '500', error_type: 'KaboomError' });
        await get(app, '/boom');
        await get(app, '/boom');
        const after = await metricValue(app, 'testapp_errors_total', { endpoint: '/boom', status_code: '500', error_type: 'KaboomError' });
        expect(after - before).toBe(2);
        await get(app, '/missing/1');
        expect(await metricValue(app, 'testapp_errors_total', { status_code: '404' })).toBe(0);
      });
    });

    describe('logging', () => {
      it('writes one access line per request with route template, status and duration', async () => {
        await get(app, '/items/42', { 'X-Request-ID': 'acc-1' });
        const line = await waitFor(() => accessLine(logs, 'acc-1'), 'access line');
        expect(line).toMatchObject({ method: 'GET', route: '/items/:id', path: '/items/42', status_code: 200, level: LEVEL.info });
        expect(typeof line.duration_ms).toBe('number');
        expect(line.duration_ms).toBeGreaterThanOrEqual(0);
        expect(logs.lines.filter((l) => l.msg === 'request completed' && l.request_id === 'acc-1')).toHaveLength(1);
      });

      it('still observes a request whose client went away, as 499', async () => {
        const { request } = await import('node:http');
        const req = request(`${app.url}/slow?ms=300`, { headers: { 'X-Request-ID': 'gone-early' } });
        req.on('error', () => undefined);
        req.end();
        await waitFor(() => logs.lines.find((l) => l.msg === 'slow start' && l.request_id === 'gone-early'), 'handler start');
        req.destroy();
        const line = await waitFor(() => accessLine(logs, 'gone-early'), 'access line');
        expect(line).toMatchObject({ status_code: 499, route: '/slow' });
        expect(await metricValue(app, 'http_requests_total', { route: '/slow', status_code: '499' })).toBeGreaterThanOrEqual(1);
        expect(await metricValue(app, 'http_requests_in_flight', {})).toBe(0);
      });

      it('leaves health and metrics requests out of access lines', async () => {
        await get(app, '/health', { 'X-Request-ID': 'hl-1' });
        await get(app, '/metrics', { 'X-Request-ID': 'mt-1' });
        await get(app, '/items/1', { 'X-Request-ID': 'after-1' });
        await waitFor(() => accessLine(logs, 'after-1'), 'access line');
        expect(accessLine(logs, 'hl-1')).toBeUndefined();
        expect(accessLine(logs, 'mt-1')).toBeUndefined();
      });

      it('keeps each id on its own request under 200 concurrent requests', async () => {
        const ids = Array.from({ length: 200 }, (_, i) => `conc-${i}`);
        const results = await Promise.all(ids.map((id, i) => get(app, `/slow?ms=${(i * 7) % 25}`, { 'X-Request-ID': id })));
        results.forEach((res, i) => {
          expect(res.headers.get('x-request-id')).toBe(ids[i]);
          expect(res.body.requestId).toBe(ids[i]);
        });
        await waitFor(() => ids.every((id) => accessLine(logs, id)), 'all access lines');
        for (const id of ids) {
          const lines = logs.forRequest(id);
          expect(lines.map((l) => l.msg).sort()).toEqual(
            ['guard saw ' + id, 'interceptor saw ' + id, 'request completed', 'slow end', 'slow start'].sort(),
          );
        }
      });
    });

    describe('metrics', () => {
      it('labels requests by route template and keeps 300 random unmatched paths to at most 3 series', async () => {
        const seriesBefore = (await app.registry.getSingleMetric('http_requests_total')!.get()).values.length;
        for (let i = 0; i < 300; i++) {
          await get(app, `/random-${Math.random().toString(36).slice(2)}/${i}?q=${i}`);
        }
        const values = (await app.registry.getSingleMetric('http_requests_total')!.get()).values;
        expect(values.length - seriesBefore).toBeLessThanOrEqual(3);
        expect(values.some((v) => v.labels.route === 'unmatched' && v.labels.status_code === '404')).toBe(true);
        expect(values.every((v) => !String(v.labels.route).startsWith('/random-'))).toBe(true);
      });

      it('serves text exposition by default and OpenMetrics with request_id exemplars when asked', async () => {
        await get(app, '/items/5', { 'X-Request-ID': 'exemplar-1' });
        await get(app, '/boom', { 'X-Request-ID': 'exemplar-err' });
        const text = await get(app, '/metrics');
        expect(text.headers.get('content-type')).toContain('text/plain; version=0.0.4');
        expect(text.text).toMatch(/http_requests_total\{method="GET",route="\/items\/:id",status_code="200"\} \d+/);
        expect(text.text).not.toContain('request_id');

        const om = await get(app, '/metrics', {
          Accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5',
        });
        expect(om.headers.get('content-type')).toContain('application/openmetrics-text');
        expect(om.text.trimEnd().endsWith('# EOF')).toBe(true);
        expect(om.text).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/items\/:id"[^}]*\} \d+ # \{request_id="exemplar-1"\}/);
        expect(om.text).toMatch(/testapp_errors_total\{[^}]*\} \d+ # \{request_id="exemplar-err"\}/);

        // A plain scrape after an OpenMetrics one still names counters with _total.
        const again = await get(app, '/metrics');
        expect(again.text).toContain('http_requests_total{');
        expect(again.text).toContain('testapp_errors_total{');
      });

      it('records no internal fault on healthy traffic', async () => {
        await get(app, '/items/1');
        await get(app, '/boom');
        await get(app, '/nowhere');
        const data = await app.registry.getSingleMetric('observability_internal_errors_total')!.get();
        expect(data.values.filter((v) => v.value > 0)).toEqual([]);
      });

      it('tracks requests in flight and default process metrics', async () => {
        const slow = get(app, '/slow?ms=150');
        await new Promise((r) => setTimeout(r, 50));
        const during = await metricValue(app, 'http_requests_in_flight', {});
        await slow;
        expect(during).toBeGreaterThanOrEqual(1);
        expect(await metricValue(app, 'http_requests_in_flight', {})).toBe(0);
        expect(app.registry.getSingleMetric('process_cpu_user_seconds_total')).toBeDefined();
      });
    });
  });
}

/** fetch() refuses non-ASCII header values; node:http sends them as latin1 bytes, as a hostile client would. */
async function rawGet(baseUrl: string, path: string, headers: Record<string, string>) {
  const http = await import('node:http');
  return new Promise<{ status: number; headers: { get(name: string): string | null }; body: any; text: string }>((resolve, reject) => {
    const req = http.request(`${baseUrl}${path}`, { headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: { get: (name) => (res.headers[name.toLowerCase()] as string | undefined) ?? null },
          body: JSON.parse(text),
          text,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}
