import { describe, expect, it } from '@jest/globals';
import { Counter, Registry } from 'prom-client';
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
