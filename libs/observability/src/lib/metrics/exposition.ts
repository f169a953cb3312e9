import { Registry } from 'prom-client';

/** What prom-client's renderer reads from a metric; `getMetricsAsString` is public in its code, absent in its types. */
interface MetricSource {
  get(): Promise<{ name: string; type: string; [key: string]: unknown }>;
}
type Renderer = Registry & { getMetricsAsString(metric: MetricSource): Promise<string> };

export type ExpositionFormat = 'openmetrics' | 'text';

/** Prometheus asks for OpenMetrics (which carries exemplars) in its Accept header; anything else gets text 0.0.4. */
export function negotiateFormat(accept: string | string[] | undefined): ExpositionFormat {
  const value = Array.isArray(accept) ? accept.join(',') : (accept ?? '');
  for (const part of value.split(',')) {
    const [type, ...params] = part.trim().split(';').map((s) => s.trim());
    if (type.toLowerCase() !== 'application/openmetrics-text') continue;
    const q = params.find((p) => p.startsWith('q='));
    if (!q || Number(q.slice(2)) > 0) return 'openmetrics';
  }
  return 'text';
}

/**
 * Renders any registries in either format, as one exposition. prom-client ties the format to the registry and, when
 * rendering OpenMetrics, renames counters in place (dropping `_total`), which would corrupt the next plain-text scrape;
 * here each metric is rendered through a throwaway registry of the wanted format and never mutated. A name already
 * rendered from an earlier registry is left out (the default process metrics when two registries collect them).
 */
export async function renderMetrics(
  registries: Registry | readonly Registry[],
  format: ExpositionFormat,
): Promise<{ contentType: string; body: string }> {
  const openMetrics = format === 'openmetrics';
  const rendered = new Set<string>();
  const parts: string[] = [];
  for (const registry of Array.isArray(registries) ? registries : [registries as Registry]) {
    const metrics = (registry.getMetricsAsArray() as unknown as MetricSource[]).filter((metric) => {
      const name = (metric as unknown as { name: string }).name;
      if (rendered.has(name)) return false;
      rendered.add(name);
      return true;
    });
    parts.push(...(await renderRegistry(registry, metrics, openMetrics)));
  }
  return openMetrics
    ? { contentType: Registry.OPENMETRICS_CONTENT_TYPE, body: `${parts.join('\n')}\n# EOF\n` }
    : { contentType: Registry.PROMETHEUS_CONTENT_TYPE, body: `${parts.join('\n\n')}\n` };
}

async function renderRegistry(registry: Registry, metrics: MetricSource[], openMetrics: boolean): Promise<string[]> {
  const renderer = (
    new (Registry as unknown as new (type: string) => Registry)(
      openMetrics ? Registry.OPENMETRICS_CONTENT_TYPE : Registry.PROMETHEUS_CONTENT_TYPE,
    )
  ) as unknown as Renderer;
  // prom-client keeps a registry's default labels private; carry them over so no label is lost on the way.
  const defaultLabels = (registry as unknown as { _defaultLabels?: Record<string, string> })._defaultLabels;
  if (defaultLabels && Object.keys(defaultLabels).length > 0) renderer.setDefaultLabels(defaultLabels);
  return Promise.all(
    metrics.map(async (metric) => {
      const data = await metric.get();
      const name = openMetrics && data.type === 'counter' ? data.name.replace(/_total$/, '') : data.name;
      return renderer.getMetricsAsString({ get: async () => ({ ...data, name }) });
    }),
  );
}
