import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { parser } from '@grafana/lezer-logql';
import { COMMANDCENTER } from '../pack/commandcenter.config.ts';
import { buildDashboards } from '../pack/dashboards/dashboards.ts';
import { targetsOf, type Panel } from './support/dashboard-targets.ts';
import { FLEET } from './support/fleet-config.ts';

const dashboardsDir = join(dirname(fileURLToPath(import.meta.url)), '../grafana/dashboards');

const committed = Object.fromEntries(
  readdirSync(dashboardsDir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => [f, JSON.parse(readFileSync(join(dashboardsDir, f), 'utf8'))]),
);

describe('Grafana dashboards', () => {
  it('are committed exactly as the pack generator writes them (node monitoring/pack/generate.ts)', () => {
    expect(committed).toEqual(JSON.parse(JSON.stringify(buildDashboards(COMMANDCENTER))));
  });

  it('are the five of the design', () => {
    expect(Object.values(committed).map((d) => d.title).sort()).toEqual([
      'CommandCenter / Database performance',
      'CommandCenter / Error tracking',
      'CommandCenter / Golden signals',
      'CommandCenter / Queue deep-dive',
      'CommandCenter / SLO',
    ]);
  });

  const logql = Object.values(committed).flatMap((d) => targetsOf(d).filter((t) => t.type === 'loki'));

  it('have LogQL queries to check', () => {
    expect(logql.length).toBeGreaterThanOrEqual(4);
  });

  it.each(logql.map((t) => [t.panel, t.expr]))('LogQL of "%s" parses: %s', (_panel, expr) => {
    const tree = parser.parse(expr.replaceAll('$__range', '1h').replaceAll('$request_id', 'abc'));
    const errors: string[] = [];
    const selectors: string[] = [];
    tree.iterate({
      enter: (node) => {
        if (node.type.isError) errors.push(`${node.from}`);
        if (node.name === 'Selector') selectors.push(expr.slice(node.from, node.to));
      },
    });
    expect(errors).toEqual([]);
    expect(selectors.length).toBeGreaterThan(0);
    // request_id is structured metadata or a parsed field, never a stream label (unbounded streams).
    for (const selector of selectors) expect(selector).not.toContain('request_id');
  });

  it('let each Grafana choose its datasources and drill down by namespace, job and instance', () => {
    for (const dashboard of Object.values(committed)) {
      expect(dashboard.templating.list.map((v: { name: string; type: string }) => `${v.name}:${v.type}`)).toEqual(
        expect.arrayContaining(['datasource:datasource', 'logs:datasource', 'namespace:query', 'job:query', 'instance:query']),
      );
      const uids = JSON.stringify(dashboard).match(/"uid":"[^"]*"/g) ?? [];
      for (const uid of uids) expect([`"uid":"${dashboard.uid}"`, '"uid":"${datasource}"', '"uid":"${logs}"']).toContain(uid);
    }
  });

  it('give every panel an id of its own that does not depend on its position', () => {
    for (const dashboard of Object.values(committed)) {
      const ids: number[] = [];
      const walk = (panels: Panel[] = []) => panels.forEach((p) => (ids.push(p.id!), walk(p.panels)));
      walk(dashboard.panels);
      expect(ids.every((id) => Number.isInteger(id) && id > 0)).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  it('show rates, not increases over $__rate_interval (whose numbers change with the zoom)', () => {
    const exprs = Object.values(committed).flatMap((d) => targetsOf(d).map((t) => t.expr));
    expect(exprs.filter((e) => /increase\([^)]*\[\$__rate_interval\]/.test(e))).toEqual([]);
  });

  it("are generated for a fleet: each service's selector and metric prefix, an SLO row per api service", () => {
    const fleet = buildDashboards({ ...FLEET, services: FLEET.services.map((s) => (s.name === 'catalog' ? { ...s, metricPrefix: 'catalog' } : s)), dashboards: { title: 'Shop', uidPrefix: 'shop' } }) as Record<string, { title: string; uid: string; panels: Panel[] }>;
    expect(Object.keys(fleet).sort()).toEqual(['shop-database.json', 'shop-error-tracking.json', 'shop-golden-signals.json', 'shop-queue.json', 'shop-slo.json']);
    expect(fleet['shop-slo.json'].title).toBe('Shop / SLO');
    const errors = targetsOf(fleet['shop-error-tracking.json']).find((t) => t.panel === 'Error rate (5xx per second)')!.expr;
    expect(errors).toContain('rate(app_errors_total{namespace="shop",job="checkout",namespace=~"$namespace",job=~"$job",instance=~"$instance",status_code=~"5.."}[$__rate_interval])');
    expect(errors).toContain(' or rate(catalog_errors_total{namespace="shop",job="catalog",');
    expect(errors).not.toContain('mailer');
    const slo = fleet['shop-slo.json'].panels.map((p) => p.title);
    expect(slo).toEqual(expect.arrayContaining(['checkout: Availability, 30 days', 'catalog: Availability, 30 days', 'catalog: Latency burn rate']));
    const latency = targetsOf(fleet['shop-golden-signals.json']).find((t) => t.panel.startsWith('API latency'))!.expr;
    expect(latency).toMatch(/^histogram_quantile\(0\.5, sum by \(le\) \(\(rate\(http_request_duration_seconds_bucket\{namespace="shop",job="checkout",.*\) or rate\(http_request_duration_seconds_bucket\{namespace="shop",job="catalog",/);
  });

  it('show exemplars on the latency histograms', () => {
    const golden = committed['cc-golden-signals.json'];
    const exemplars = golden.panels.flatMap((p: Panel) => (p.targets ?? []) as Array<{ exemplar?: boolean }>).filter((t: { exemplar?: boolean }) => t.exemplar);
    expect(exemplars.length).toBeGreaterThanOrEqual(3);
  });
});
