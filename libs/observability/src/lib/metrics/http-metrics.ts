import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { BoundCounter, BoundHistogram } from '../core/bound-series.js';
import { exemplarLabels } from '../core/exemplars.js';
import { methodLabel } from '../core/labels.js';
import { getOrCreateMetric } from '../core/metric-factory.js';

type HttpLabel = 'method' | 'route' | 'status_code';
const HTTP_LABELS: readonly HttpLabel[] = ['method', 'route', 'status_code'];

/** The RED metrics (docs/architecture.md, "Metric names"): requests, duration (with exemplars) and requests in flight. */
export class HttpMetrics {
  private readonly requests: BoundCounter;
  private readonly duration: BoundHistogram;
  readonly inFlight: Gauge;

  constructor(registry: Registry, buckets: number[]) {
    const requests = getOrCreateMetric<Counter<HttpLabel>>(registry, Counter, {
      name: 'http_requests_total',
      help: 'HTTP requests served, by method, route template and status code.',
      labelNames: HTTP_LABELS,
    });
    const duration = getOrCreateMetric<Histogram<HttpLabel>>(registry, Histogram, {
      name: 'http_request_duration_seconds',
      help: 'Time from the request reaching the app to the response finishing, in seconds.',
      labelNames: HTTP_LABELS,
      buckets,
      enableExemplars: true,
    });
    this.requests = new BoundCounter(requests, HTTP_LABELS);
    this.duration = new BoundHistogram(duration, HTTP_LABELS);
    this.inFlight = getOrCreateMetric(registry, Gauge, {
      name: 'http_requests_in_flight',
      help: 'HTTP requests being served right now.',
    });
  }

  observe(method: string | undefined, route: string, statusCode: number, durationSeconds: number, requestId?: string, traceId?: string): void {
    const methodValue = methodLabel(method);
    this.requests.inc(methodValue, route, statusCode);
    this.duration.observe(durationSeconds, exemplarLabels(requestId, traceId), methodValue, route, statusCode);
  }
}
