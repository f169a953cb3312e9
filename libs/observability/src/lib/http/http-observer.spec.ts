import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from '@jest/globals';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { Registry } from 'prom-client';
import { InternalErrors } from '../core/internal-errors.js';
import { HttpMetrics } from '../metrics/http-metrics.js';
import { resolveOptions } from '../options/resolve-options.js';
import { HttpObserver } from './http-observer.js';
import { attachRecord, requestRecord, type RequestRecord } from './request-record.js';

describe('HttpObserver', () => {
  it('observes the response, then keeps the route template and lets go of the request', async () => {
    const { registry, observer } = observed();
    const req = { method: 'GET', url: '/items/7', route: { path: '/items/:id' } } as unknown as IncomingMessage;
    const res = response(req);
    const record: RequestRecord = { req, requestId: 'r-1', start: performance.now() };
    attachRecord(record);
    observer.begin(res, record);
    expect(requestRecord(req)).toBe(record);

    res.emit('close');
    res.emit('close');

    expect(record.req).toBeUndefined();
    expect(record.routeTemplate).toBe('/items/:id');
    expect(await requests(registry)).toEqual([{ labels: { method: 'GET', route: '/items/:id', status_code: '200' }, value: 1 }]);
  });

  it('observes a response whose request has no record attached (or no request) once too', async () => {
    for (const withRequest of [true, false]) {
      const { registry, observer } = observed();
      const req = { method: 'GET', url: '/x', route: { path: '/x' } } as unknown as IncomingMessage;
      const res = response(withRequest ? req : undefined);
      // Not attached: the request could not take the record.
      observer.begin(res, { req, requestId: 'r-2', start: performance.now() });
      res.emit('close');
      res.emit('close');
      expect(await requests(registry)).toEqual([{ labels: { method: 'GET', route: '/x', status_code: '200' }, value: 1 }]);
    }
  });

  it("takes its listener off the response at its close, also where OpenTelemetry's context manager bound the response", async () => {
    // A listener left there kept Express's requests from being collected young under OpenTelemetry (the observer's comment).
    const manager = new AsyncLocalStorageContextManager().enable();
    try {
      for (const bound of [false, true]) {
        const { registry, observer } = observed();
        const req = { method: 'GET', url: '/items/7', route: { path: '/items/:id' } } as unknown as IncomingMessage;
        const res = response(req);
        if (bound) manager.bind(ROOT_CONTEXT, res);
        const record: RequestRecord = { req, requestId: 'r-3', start: performance.now() };
        attachRecord(record);
        observer.begin(res, record);
        expect(res.listenerCount('close')).toBe(1);
        // Not wrapped by the context manager: the observer reads what it needs from the record.
        expect(res.listeners('close')[0]?.name).toBe('onClose');

        res.emit('close');

        expect(res.listenerCount('close')).toBe(0);
        expect(await requests(registry)).toEqual([{ labels: { method: 'GET', route: '/items/:id', status_code: '200' }, value: 1 }]);
      }
    } finally {
      manager.disable();
    }
  });
});

function observed() {
  const registry = new Registry();
  const observer = new HttpObserver(resolveOptions({}), new InternalErrors(registry), new HttpMetrics(registry, [0.1, 1]), undefined);
  return { registry, observer };
}

/** A response as Node makes it: an emitter that knows its request. */
function response(req: IncomingMessage | undefined): ServerResponse {
  return Object.assign(new EventEmitter(), { req, writableEnded: true, statusCode: 200 }) as unknown as ServerResponse;
}

async function requests(registry: Registry) {
  const series = await registry.getSingleMetric('http_requests_total')!.get();
  return series.values.map(({ labels, value }) => ({ labels, value }));
}
