import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { exemplarLabels } from '../core/exemplars.js';
import { methodLabel } from '../core/labels.js';
import { getOrCreateMetric } from '../core/metric-factory.js';

type HttpLabel = 'method' | 'route' | 'status_code';


/** The RED metrics (docs/architecture.md, "Metric names"): requests, duration (with exemplars) and requests in flight. */
export class HttpMetrics {
  private readonly requests: Counter<HttpLabel>;
  private readonly duration: Histogram<HttpLabel>;
  readonly inFlight: Gauge;

  constructor(registry: Registry, buckets: number[]) {
    this.requests = getOrCreateMetric<Counter<HttpLabel>>(registry, Counter, {
      name: 'http_requests_total',
      help: 'HTTP requests served, by method, route template and status code.',
      labelNames: ['method', 'route', 'status_code'],
    });
    this.duration = getOrCreateMetric<Histogram<HttpLabel>>(registry, Histogram, {
      name: 'http_request_duration_seconds',
      help: 'Time from the request reaching the app to the response finishing, in seconds.',
      labelNames: ['method', 'route', 'status_code'],
      buckets,
      enableExemplars: true,
    });
    this.inFlight = getOrCreateMetric(registry, Gauge, {
      name: 'http_requests_in_flight',
      help: 'HTTP requests being served right now.',
    });
  }

  observe(method: string | undefined, route: string, statusCode: number, durationSeconds: number, requestId?: string, traceId?: string): void {
    const labels = { method: methodLabel(method), route, status_code: String(statusCode) };
    this.requests.inc(labels);
    this.duration.observe({ labels, value: durationSeconds, exemplarLabels: exemplarLabels(requestId, traceId) });
  }
}
