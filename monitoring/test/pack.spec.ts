import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { COMMANDCENTER } from '../pack/commandcenter.config.ts';
import type { PackConfig } from '../pack/config.ts';
import { buildPack, buildRuleFiles } from '../pack/pack.ts';
import { FLEET } from './support/fleet-config.ts';

const prometheusDir = join(dirname(fileURLToPath(import.meta.url)), '../prometheus');
const rulesDir = join(prometheusDir, 'rules');

describe('the monitoring pack generator', () => {
  it('wrote the committed rule files (node monitoring/pack/generate.ts)', () => {
    const committed = Object.fromEntries(
      readdirSync(rulesDir)
        .filter((f) => f.endsWith('.rules.yml'))
        .map((f) => [f, readFileSync(join(rulesDir, f), 'utf8')]),
    );
    expect(committed).toEqual(buildRuleFiles(COMMANDCENTER));
  });

  it('wrote the committed generic promtool tests, beside the hand-written ones', () => {
    const { tests } = buildPack(COMMANDCENTER);
    expect(Object.keys(tests)).toEqual(['replicas.test.yml']);
    expect(readFileSync(join(prometheusDir, 'tests/replicas.test.yml'), 'utf8')).toBe(tests['replicas.test.yml']);
  });

  it('writes no generic tests when a selector is not plain label="value" matchers (it cannot make up series for it)', () => {
    const regex: PackConfig = { ...FLEET, services: [...FLEET.services, { name: 'legacy', kind: 'api', selector: 'job=~"legacy-.*"' }] };
    expect(buildPack(regex).tests).toEqual({});
    expect(Object.keys(buildPack(FLEET).tests)).toEqual(['replicas.test.yml']);
  });

  it("generates a fleet's rules: one group per service, its selector everywhere, sums kept per cluster and namespace", () => {
    const files = buildRuleFiles(FLEET);
    const api = parse(files['api.rules.yml']);
    expect(api.groups.map((g: { name: string }) => g.name)).toEqual(['api-checkout', 'api-catalog']);
    const ratio = api.groups[0].rules.find((r: { alert?: string }) => r.alert === 'ApiHighErrorRatio');
    expect(ratio.labels).toEqual({ severity: 'critical', service: 'checkout' });
    expect(ratio.expr).toContain('sum by (cluster, namespace) (rate(http_requests_total{namespace="shop",job="checkout",status_code=~"5.."}[5m]))');
    expect(ratio.annotations.runbook_url).toBe('https://runbooks.example.com/ApiHighErrorRatio.md');
    const slo = parse(files['slo.rules.yml']);
    const latency = slo.groups.find((g: { name: string }) => g.name === 'slo-checkout-latency');
    expect(latency.rules[0].expr).toContain('http_request_duration_seconds_bucket{namespace="shop",job="checkout",le="0.5"}[5m]');
    expect(latency.rules.find((r: { record?: string }) => r.record === 'slo:error_budget:ratio').expr).toBe('vector(0.05)');
    expect(latency.rules.find((r: { alert?: string }) => r.alert === 'ApiLatencyBudgetBurn').expr).toContain('and on (cluster, namespace) sum by (cluster, namespace)');
    const queue = parse(files['queue.rules.yml']);
    expect(queue.groups[0].rules.find((r: { alert?: string }) => r.alert === 'WorkerDown').expr).toBe('sum by (cluster, namespace) (up{namespace="shop",job="mailer"}) == 0 or absent(up{namespace="shop",job="mailer"})');
  });

  it('refuses a configuration it could not write right rules for, naming each problem', () => {
    const bad: PackConfig = {
      services: [
        { name: 'API', kind: 'api', selector: 'api' },
        { name: 'x', kind: 'queue' as never, selector: 'job="x"', slo: { availability: 99.9 } },
      ],
      aggregation: ['cluster-name'],
      runbookBaseUrl: '',
    };
    expect(() => buildRuleFiles(bad)).toThrow(
      [
        'monitoring pack configuration:',
        '  services[0].name "API": lower-case letters, digits and -',
        '  services[0].selector "api": label matchers such as job="api"',
        '  services[1].kind "queue": api or worker',
        '  services[1].slo.availability 99.9: between 0 and 1',
        '  aggregation "cluster-name": a label name',
      ].join('\n'),
    );
  });
});
