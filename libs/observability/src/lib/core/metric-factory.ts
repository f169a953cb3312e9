import type { Metric, Registry } from 'prom-client';

type MetricClass<M> = new (config: any) => M;

interface MetricConfig {
  name: string;
  help: string;
  labelNames?: readonly string[];
  enableExemplars?: boolean;
  [key: string]: unknown;
}

/**
 * Registers a metric in `registry`, or returns the one already there when it is the same kind with the same
 * labels (two app instances in one process sharing a registry). A clash of kind or labels is an error, never
 * a silent reuse of a metric that would then be observed with the wrong labels.
 */
export function getOrCreateMetric<M extends Metric>(registry: Registry, type: MetricClass<M>, config: MetricConfig): M {
  const existing = registry.getSingleMetric(config.name) as unknown as
    | { labelNames?: string[]; enableExemplars?: boolean; constructor: { name: string } }
    | undefined;
  if (!existing) {
    // Registered by hand: prom-client refuses exemplar-enabled metrics in a plain-text registry at construction,
    // while our exposition renders any registry in either format.
    const metric = new type({ ...config, registers: [] });
    registry.registerMetric(metric as unknown as Metric);
    return metric;
  }
  const wanted = [...(config.labelNames ?? [])].sort().join(',');
  const found = [...(existing.labelNames ?? [])].sort().join(',');
  const sameKind = (existing as unknown) instanceof type;
  if (!sameKind || wanted !== found || Boolean(existing.enableExemplars) !== Boolean(config.enableExemplars)) {
    throw new Error(
      `Metric "${config.name}" is already registered as ${existing.constructor.name} with labels [${found}]` +
        `${existing.enableExemplars ? ' and exemplars' : ''}; ObservabilityModule needs ${type.name} with labels [${wanted}]` +
        `${config.enableExemplars ? ' and exemplars' : ''}. Use another registry or remove the other metric.`,
    );
  }
  return existing as unknown as M;
}
