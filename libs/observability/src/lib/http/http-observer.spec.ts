import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { InternalErrors } from '../core/internal-errors.js';
import { HttpMetrics } from '../metrics/http-metrics.js';
import { resolveOptions } from '../options/resolve-options.js';
import { HttpObserver } from './http-observer.js';
import { attachRecord, requestRecord, type RequestRecord } from './request-record.js';

describe('HttpObserver', () => {
  it('observes the response, then keeps the route template and lets go of the request', async () => {
    const registry = new Registry();
    const observer = new HttpObserver(resolveOptions({}), new InternalErrors(registry), new HttpMetrics(registry, [0.1, 1]), undefined);
    const req = { method: 'GET', url: '/items/7', route: { path: '/items/:id' } } as unknown as IncomingMessage;
    const res = Object.assign(new EventEmitter(), { writableEnded: true, statusCode: 200 }) as unknown as ServerResponse;
    const record: RequestRecord = { req, requestId: 'r-1', start: performance.now() };
    attachRecord(record);
    observer.begin(res, record);
    expect(requestRecord(req)).toBe(record);

    res.emit('close');

    expect(record.req).toBeUndefined();
    expect(record.routeTemplate).toBe('/items/:id');
    const series = await registry.getSingleMetric('http_requests_total')!.get();
    expect(series.values).toContainEqual(expect.objectContaining({ labels: { method: 'GET', route: '/items/:id', status_code: '200' }, value: 1 }));
  });
});
