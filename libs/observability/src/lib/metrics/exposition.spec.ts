import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
import { exemplarLabels } from '../core/exemplars.js';
import { negotiateFormat, renderMetrics } from './exposition.js';

describe('negotiateFormat', () => {
  it('picks OpenMetrics when Prometheus asks for it, text otherwise', () => {
    expect(negotiateFormat('application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1')).toBe('openmetrics');
    expect(negotiateFormat('text/plain;version=0.0.4')).toBe('text');
    expect(negotiateFormat(undefined)).toBe('text');
    expect(negotiateFormat('application/openmetrics-text;q=0')).toBe('text');
  });
});

describe('renderMetrics', () => {
  it('renders one registry in both formats without renaming its counters', async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ region: 'eu' });
    const c = new Counter({ name: 'jobs_total', help: 'jobs', registers: [registry] });
    c.inc();
    const om = await renderMetrics(registry, 'openmetrics');
    expect(om.body).toContain('# TYPE jobs counter');
    expect(om.body).toContain('jobs_total{region="eu"} 1');
    expect(om.body.endsWith('# EOF\n')).toBe(true);
    const text = await renderMetrics(registry, 'text');
    expect(text.body).toContain('# TYPE jobs_total counter');
    expect(text.body).toContain('jobs_total{region="eu"} 1');
  });
});

describe('exemplarLabels', () => {
  it('keeps the label set within the OpenMetrics 128-character limit', () => {
    expect(exemplarLabels('abc', 't'.repeat(32))).toEqual({ request_id: 'abc', trace_id: 't'.repeat(32) });
    expect(exemplarLabels('a'.repeat(100), 't'.repeat(32))).toEqual({ request_id: 'a'.repeat(100) });
    expect(exemplarLabels('a'.repeat(128))).toEqual({});
    expect(exemplarLabels(undefined)).toEqual({});
  });
});

describe('renderMetrics against prom-client', () => {
  // Label values with the characters the format escapes, numbers, and empty strings.
  const labelValue = fc.oneof(fc.string({ maxLength: 8, unit: fc.constantFrom('a', 'b', '"', '\\', '\n', ' ', 'é') }), fc.constantFrom('', 'GET', '/a/:id'));
  const observations = fc.array(fc.tuple(labelValue, labelValue, fc.oneof(fc.double({ min: -5, max: 50, noNaN: true }), fc.constantFrom(0, 0.5, 1, 1e-9))), { maxLength: 12 });

  // The two registries observe at different moments: exemplar timestamps are the only bytes allowed to differ.
  const normalize = (body: string) => body.replace(/( # \{[^}]*\} \S+) \d+(\.\d+)?$/gm, '$1 T');

  async function registries(seed: [Array<[string, string, number]>, Record<string, string> | undefined], contentType: string) {
    const [obs, defaults] = seed;
    const registry = new (Registry as unknown as new (type: string) => Registry)(contentType);
    if (defaults) registry.setDefaultLabels(defaults);
    const openMetrics = contentType === Registry.OPENMETRICS_CONTENT_TYPE;
    const counter = new Counter({ name: 'jobs_total', help: 'jobs\\ done\nhere', labelNames: ['a', 'b'], registers: [registry] });
    const gauge = new Gauge({ name: 'depth', help: 'depth', labelNames: ['a'], registers: [registry] });
    const histogram = new Histogram({ name: 'took_seconds', help: 'took', labelNames: ['a', 'b'], buckets: [0.1, 1, 10], registers: [registry], enableExemplars: openMetrics });
    const summary = new Summary({ name: 'sizes', help: 'sizes', labelNames: ['a'], percentiles: [0.5, 0.9], registers: [registry] });
    for (const [a, b, v] of obs) {
      counter.inc({ a, b }, Math.abs(v));
      gauge.set({ a }, v);
      if (openMetrics) (histogram as unknown as { observe(data: object): void }).observe({ labels: { a, b }, value: v, exemplarLabels: { request_id: `${a}${b}`.slice(0, 20) || 'x' } });
      else histogram.observe({ a, b }, v);
      summary.observe({ a }, v);
    }
    return registry;
  }

  it('writes byte for byte what prom-client writes, in both formats, escapes and default labels included (300 registries)', async () => {
    const seeds = fc.sample(fc.tuple(observations, fc.option(fc.record({ region: labelValue, zone: fc.constantFrom('z1', 'z"2') }), { nil: undefined })), { numRuns: 300, seed: 20261203 });
    for (const seed of seeds) {
      for (const [format, contentType] of [['text', Registry.PROMETHEUS_CONTENT_TYPE], ['openmetrics', Registry.OPENMETRICS_CONTENT_TYPE]] as const) {
        const ours = await renderMetrics(await registries(seed, contentType), format);
        // prom-client's own rendering, of a fresh registry (it renames counters in place when it renders OpenMetrics).
        const theirs = await (await registries(seed, contentType)).metrics();
        expect(normalize(ours.body)).toBe(normalize(theirs));
      }
    }
  });
});
