import { Registry } from 'prom-client';

/** What a prom-client metric gives to render: `getForPromString` (histograms: labels shared per series) or `get`. */
interface MetricSource {
  name: string;
  get(): Promise<MetricData>;
  getForPromString?(): Promise<MetricData>;
}
interface Exemplar {
  labelSet: Record<string, string | number>;
  value: number;
  timestamp: number;
}
interface MetricValue {
  value: number;
  labels?: Record<string, string | number>;
  sharedLabels?: Record<string, string | number>;
  metricName?: string;
  exemplar?: Exemplar | null;
}
interface MetricData {
  name: string;
  help: string;
  type: string;
  values?: MetricValue[];
}

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

/** Where an exposition is written, piece by piece: a string (renderMetrics) or kept Buffers (exposition-buffers.ts). */
export interface ExpositionSink {
  write(text: string): void;
}

/**
 * Writes any registries in either format, as one exposition, and returns its content type. prom-client ties the format
 * to the registry and, when rendering OpenMetrics, renames counters in place (dropping `_total`), which would corrupt
 * the next plain-text scrape; here each metric is read and written out in the wanted format, never mutated. A name
 * already written from an earlier registry is left out (the default process metrics when two registries collect them).
 */
export async function writeMetrics(
  registries: Registry | readonly Registry[],
  format: ExpositionFormat,
  sink: ExpositionSink,
  /** For a scraper that stores series: true while a counter or histogram series is to be shown at zero (new-series-hold.ts). */
  held?: (key: string) => boolean,
): Promise<string> {
  const openMetrics = format === 'openmetrics';
  const written = new Set<string>();
  let first = true;
  for (const registry of Array.isArray(registries) ? registries : [registries as Registry]) {
    const metrics = (registry.getMetricsAsArray() as unknown as MetricSource[]).filter((metric) => {
      if (written.has(metric.name)) return false;
      written.add(metric.name);
      return true;
    });
    // prom-client keeps a registry's default labels private; they are rendered on every line, as it does.
    const defaults = (registry as unknown as { _defaultLabels?: Record<string, string> })._defaultLabels;
    const defaultLabels = defaults && Object.keys(defaults).length > 0 ? defaults : undefined;
    const data = await Promise.all(metrics.map((metric) => (metric.getForPromString ? metric.getForPromString() : metric.get())));
    for (const d of data) {
      if (!first) sink.write(openMetrics ? '\n' : '\n\n');
      first = false;
      writeMetric(sink, d, openMetrics, defaultLabels, d.type === 'counter' || d.type === 'histogram' ? held : undefined);
    }
  }
  sink.write(openMetrics ? '\n# EOF\n' : '\n');
  return contentTypeOf(format);
}

/** The Content-Type of an exposition in `format`: known before anything is collected (a HEAD request needs no more). */
export function contentTypeOf(format: ExpositionFormat): string {
  return format === 'openmetrics' ? Registry.OPENMETRICS_CONTENT_TYPE : Registry.PROMETHEUS_CONTENT_TYPE;
}

/** The exposition as one string. */
export async function renderMetrics(
  registries: Registry | readonly Registry[],
  format: ExpositionFormat,
  held?: (key: string) => boolean,
): Promise<{ contentType: string; body: string }> {
  const parts: string[] = [];
  const contentType = await writeMetrics(registries, format, { write: (text) => parts.push(text) }, held);
  return { contentType, body: parts.join('') };
}

/** Backslash and newline escaped (HELP text, label values); label values also escape the double quote. */
const escapeString = (text: string) => (ESCAPES.test(text) ? text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') : text);
const ESCAPES = /[\\\n]/;
const escapeLabelValue = (value: string | number) => (typeof value !== 'string' ? value : LABEL_ESCAPES.test(value) ? escapeString(value).replace(/"/g, '\\"') : value);
const LABEL_ESCAPES = /[\\\n"]/;

function valueString(value: number): string {
  if (Number.isNaN(value)) return 'Nan';
  if (!Number.isFinite(value)) return value < 0 ? '-Inf' : '+Inf';
  return `${value}`;
}

/** `a="1",b="2"`, leaving out the labels `exclude` holds. */
function formatLabels(labels: Record<string, string | number>, exclude?: Record<string, unknown>): string {
  let out = '';
  for (const name in labels) {
    if (exclude && Object.prototype.hasOwnProperty.call(exclude, name)) continue;
    out += `${out ? ',' : ''}${name}="${escapeLabelValue(labels[name])}"`;
  }
  return out;
}

/** A series' shared labels (a histogram's), formatted once per scrape and label set rather than once per bucket. */
const sharedCache = new WeakMap<object, string>();
function formatShared(labels: Record<string, string | number>): string {
  let formatted = sharedCache.get(labels);
  if (formatted === undefined) {
    formatted = formatLabels(labels);
    sharedCache.set(labels, formatted);
  }
  return formatted;
}

const NO_LABELS: Record<string, string | number> = {};

/** Lines are handed to the sink in pieces of about this many characters: few calls, no megabyte-long string. */
const PIECE = 16_384;

/**
 * One metric in the exposition format, byte for byte what prom-client's `getMetricsAsString` writes (a property
 * test compares the two), without its per-line arrays and regular expressions: about 3.5 µs per series there, the
 * cost of a scrape of a large registry.
 */
function writeMetric(sink: ExpositionSink, metric: MetricData, openMetrics: boolean, defaultLabels?: Record<string, string>, held?: (key: string) => boolean): void {
  const name = escapeString(openMetrics && metric.type === 'counter' ? metric.name.replace(/_total$/, '') : metric.name);
  let out = `# HELP ${name} ${escapeString(metric.help)}\n# TYPE ${name} ${metric.type}`;
  const suffix = openMetrics && metric.type === 'counter' ? '_total' : '';
  let heldShared: object | undefined;
  let atZero = false;
  for (const val of metric.values ?? []) {
    let labels = val.labels ?? NO_LABELS;
    if (defaultLabels) labels = { ...labels, ...defaultLabels, ...labels };
    const shared = val.sharedLabels ?? NO_LABELS;
    const own = formatLabels(labels, shared);
    const common = shared === NO_LABELS ? '' : formatShared(shared);
    const set = own && common ? `{${own},${common}}` : own ? `{${own}}` : common ? `{${common}}` : '';
    // A histogram's buckets, sum and count are one series to hold (by its shared labels, asked once), a counter's line is one.
    if (held && (shared === NO_LABELS || shared !== heldShared)) {
      heldShared = shared;
      atZero = held(`${metric.name}{${shared === NO_LABELS ? own : common}}`);
    }
    out += `\n${val.metricName ?? name}${suffix}${set} ${atZero ? '0' : valueString(val.value)}`;
    const { exemplar } = val;
    if (exemplar && openMetrics && !atZero) out += ` # {${formatLabels(exemplar.labelSet)}} ${valueString(exemplar.value)} ${exemplar.timestamp}`;
    if (out.length > PIECE) {
      sink.write(out);
      out = '';
    }
  }
  sink.write(out);
}
