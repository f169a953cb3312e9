import { Counter, type Registry } from 'prom-client';
import { getOrCreateMetric } from './metric-factory.js';

export type ObservabilityComponent = 'correlation' | 'logging' | 'metrics' | 'errors' | 'access-log' | 'queue' | 'database';

/**
 * Observability code must never break the request it observes: every step runs through `guard()`, which
 * swallows a fault and counts it in `observability_internal_errors_total{component}`.
 */
export class InternalErrors {
  private readonly counter: Counter<'component'>;
  private readonly warned = new Set<ObservabilityComponent>();

  constructor(registry: Registry) {
    this.counter = getOrCreateMetric(registry, Counter, {
      name: 'observability_internal_errors_total',
      help: 'Faults inside the observability code itself, by component; the observed request went on regardless.',
      labelNames: ['component'],
    });
  }

  record(component: ObservabilityComponent, error?: unknown): void {
    try {
      this.counter.inc({ component });
      // One process warning per component, so the first fault can be diagnosed without a log storm.
      if (!this.warned.has(component)) {
        this.warned.add(component);
        process.emitWarning(`observability ${component} step failed: ${error instanceof Error ? error.message : String(error)}`, {
          code: 'OBSERVABILITY_INTERNAL_ERROR',
        });
      }
    } catch {
      // Counting the fault failed too; nothing safer is left to do than to go on.
    }
  }

  guard<T>(component: ObservabilityComponent, step: () => T): T | undefined {
    try {
      return step();
    } catch (error) {
      this.record(component, error);
      return undefined;
    }
  }
}
