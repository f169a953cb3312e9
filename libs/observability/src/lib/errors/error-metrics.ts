import { Counter, type Registry } from 'prom-client';
import { exemplarLabels } from '../core/exemplars.js';
import { getOrCreateMetric } from '../core/metric-factory.js';

type ErrorLabel = 'endpoint' | 'status_code' | 'error_type';

/** `<prefix>_errors_total{endpoint,status_code,error_type}`, with request id exemplars. */
export class ErrorMetrics {
  private readonly errors: Counter<ErrorLabel>;

  constructor(registry: Registry, prefix: string) {
    this.errors = getOrCreateMetric<Counter<ErrorLabel>>(registry, Counter, {
      name: `${prefix}_errors_total`,
      help: 'Errors answered by the exception filter, by route template, status code and error class.',
      labelNames: ['endpoint', 'status_code', 'error_type'],
      enableExemplars: true,
    });
  }

  count(endpoint: string, statusCode: number, errorType: string, requestId?: string, traceId?: string): void {
    this.errors.inc({
      labels: { endpoint, status_code: String(statusCode), error_type: errorType },
      value: 1,
      exemplarLabels: exemplarLabels(requestId, traceId),
    });
  }
}
