import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { BoundGauge } from '../core/bound-gauge.js';
import { BoundCounter, BoundGroup, BoundHistogram } from '../core/bound-series.js';
import { exemplarLabels } from '../core/exemplars.js';
import { getOrCreateMetric } from '../core/metric-factory.js';

type HttpLabel = 'method' | 'route' | 'status_code';
const HTTP_LABELS: readonly HttpLabel[] = ['method', 'route', 'status_code'];

/** The RED metrics (docs/architecture.md, "Metric names"): requests, duration (with exemplars) and requests in flight. */
export class HttpMetrics {
  private readonly requests: BoundCounter;
  private readonly duration: BoundHistogram;
  /** The request's counter and histogram series, found in one walk. */
  private readonly series: BoundGroup;
  private readonly inFlight: BoundGauge;

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
    this.series = new BoundGroup([this.requests, this.duration]);
    const inFlight = getOrCreateMetric<Gauge>(registry, Gauge, {
      name: 'http_requests_in_flight',
      help: 'HTTP requests being served right now.',
    });
    this.inFlight = new BoundGauge(inFlight);
  }

  /** A request is being served. */
  started(): void {
    this.inFlight.add(1);
  }

  /** A request that `started()` has ended: no longer in flight, and counted and timed. `method` is its `methodLabel()`. */
  finished(method: string, route: string, statusCode: number, durationSeconds: number, requestId?: string, traceId?: string): void {
    this.inFlight.add(-1);
    const found = this.series.find(method, route, statusCode);
    this.requests.incAt(found?.[0], method, route, statusCode);
    this.duration.observeAt(found?.[1], durationSeconds, exemplarLabels(requestId, traceId), method, route, statusCode);
  }
}
