import type { Provider } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { METRICS_REGISTRY } from './core/constants.js';
import { InternalErrors } from './core/internal-errors.js';
import { ErrorMetrics } from './errors/error-metrics.js';
import { HttpMetrics } from './metrics/http-metrics.js';
import { metricToken } from './metrics/nestjs-prometheus.js';

/**
 * The module's metrics under @willsoto/nestjs-prometheus's tokens, so `@InjectMetric('http_requests_total')` (or
 * `@Inject(metricToken(name))` without that package) gives the metric object. A metric whose feature is off is null.
 */
export function createMetricTokenProviders(metricPrefix?: string): Array<Provider & { provide: string }> {
  const names = ['http_requests_total', 'http_request_duration_seconds', 'http_requests_in_flight', 'observability_internal_errors_total'];
  if (metricPrefix !== undefined) names.push(`${metricPrefix}_errors_total`);
  return names.map((name) => ({
    provide: metricToken(name),
    // The metric classes are injected only so that they are registered before the lookup.
    useFactory: (registry: Registry) => registry.getSingleMetric(name) ?? null,
    inject: [METRICS_REGISTRY, InternalErrors, { token: HttpMetrics, optional: true }, { token: ErrorMetrics, optional: true }],
  }));
}
