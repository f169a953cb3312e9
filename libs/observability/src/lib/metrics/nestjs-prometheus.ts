import type { DiscoveryService } from '@nestjs/core';
import { collectDefaultMetrics, type Registry } from 'prom-client';

/**
 * @willsoto/nestjs-prometheus side by side with the module. Its metrics (`makeCounterProvider`, `@InjectMetric`) live
 * in prom-client's default registry and its `PrometheusController` answers `/metrics` from that registry alone. The
 * module serves that registry after its own on its metrics endpoint, and answers the path before the controller, so
 * one scrape has both and keeps OpenMetrics exemplars.
 */

/** Token under which @willsoto/nestjs-prometheus provides a metric, so `@InjectMetric(name)` finds ours too. */
export function metricToken(name: string): string {
  return `PROM_METRIC_${name.toUpperCase()}`;
}

/**
 * The paths the app's PrometheusController(s) serve (behind the app's global prefix, if any), or undefined when
 * @willsoto/nestjs-prometheus is not in the app.
 */
export function findNestjsPrometheus(discovery: DiscoveryService, globalPrefix = ''): { paths: string[] } | undefined {
  // PrometheusModule provides its options under a symbol it does not export: recognised by the symbol's description.
  const hosts = new Set(
    discovery
      .getProviders()
      .filter((wrapper) => typeof wrapper.token === 'symbol' && wrapper.token.description === 'PROMETHEUS_OPTIONS')
      .map((wrapper) => wrapper.host),
  );
  if (hosts.size === 0) return undefined;
  const paths = discovery
    .getControllers()
    .filter((wrapper) => hosts.has(wrapper.host) && wrapper.metatype)
    .map((wrapper) => normalisePath(`${globalPrefix}/${(Reflect.getMetadata('path', wrapper.metatype as object) as string | undefined) ?? ''}`));
  return { paths };
}

function normalisePath(path: string): string {
  const trimmed = path.replace(/\/{2,}/g, '/').replace(/\/+$/, '');
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/** Default process metrics are the same data in any registry: those two registries may share. */
const DEFAULT_METRIC = /^(process|nodejs)_/;

/**
 * A name in both registries would be served once, from ours, and the other silently dropped: refused at start-up,
 * like a clash inside one registry.
 */
export function assertNoClash(own: Registry, other: Registry): void {
  if (own === other) return;
  const clashes = other
    .getMetricsAsArray()
    .map((metric) => (metric as unknown as { name: string }).name)
    .filter((name) => !DEFAULT_METRIC.test(name) && own.getSingleMetric(name));
  if (clashes.length > 0) {
    throw new Error(
      `ObservabilityModule: metric ${clashes.map((n) => `"${n}"`).join(', ')} is registered both by ObservabilityModule and in ` +
        "prom-client's default registry (@willsoto/nestjs-prometheus); one /metrics cannot serve both. Rename yours.",
    );
  }
}

/** Collects the default process metrics into `own` unless a registry served beside it already has them. */
export function collectDefaultMetricsOnce(own: Registry, served: readonly Registry[]): void {
  if (served.some((registry) => registry.getSingleMetric('process_cpu_user_seconds_total'))) return;
  collectDefaultMetrics({ register: own });
}
