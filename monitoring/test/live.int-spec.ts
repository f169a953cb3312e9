import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { AppProcess } from '../../tools/testing/app-process.js';
import { waitFor } from '../../tools/testing/log-capture.js';
import { COMMANDCENTER } from '../pack/commandcenter.config.ts';
import { buildDashboards } from '../pack/dashboards/dashboards.ts';
import { MAY_BE_EMPTY } from '../pack/dashboards/queries.ts';
import { fillVariables, targetsOf, type Panel } from './support/dashboard-targets.ts';
import { startExporters } from './support/exporters.js';
import { LiveStack, monitoringDir } from './support/live-stack.js';

/**
 * The monitoring stack against the real apps: Prometheus and Alertmanager from the Debian packages scrape the built
 * api and worker, postgres_exporter and node_exporter while a traffic mix runs (successes, 4xx, 5xx, syncs, a
 * failing sync). Every rule must evaluate cleanly and one alert must travel all the way to a receiver.
 */

/** The real ApiHighErrorRatio with its windows shortened to 30 s and `for` to 5 s, for the end-to-end drill. */
function drillRule(): string {
  const rules = parse(readFileSync(join(monitoringDir, 'prometheus/rules/api.rules.yml'), 'utf8'));
  const original = rules.groups[0].rules.find((r: { alert?: string }) => r.alert === 'ApiHighErrorRatio');
  const drill = { ...original, alert: 'ApiHighErrorRatioDrill', expr: original.expr.replaceAll('[5m]', '[30s]'), for: '5s' };
  return JSON.stringify({ groups: [{ name: 'drill', rules: [drill] }] });
}

const DRILL_FOR_MS = 5000;

describe('monitoring stack, live', () => {
  const stack = new LiveStack();
  let exporters: Awaited<ReturnType<typeof startExporters>> | undefined;
  let api: AppProcess;
  let worker: AppProcess;
  let firstServerError = 0;
  let traffic = true;
  let trafficDone: Promise<void>;

  beforeAll(async () => {
    const env = { DATABASE_URL: process.env.TEST_DATABASE_URL!, REDIS_URL: process.env.TEST_REDIS_URL! };
    [api, worker] = await Promise.all([AppProcess.start('api', env), AppProcess.start('worker', env)]);

    exporters = await startExporters(process.env.TEST_DATABASE_URL!);
    await stack.start({ api: api.url.replace('http://', ''), worker: worker.url.replace('http://', ''), ...exporters.targets }, drillRule());
    trafficDone = runTraffic();
    // Let a few scrapes and rule evaluations happen over the traffic.
    await waitFor(() => (firstServerError && Date.now() - firstServerError > 8000) || undefined, 'traffic to flow', 30_000);
  }, 90_000);

  afterAll(async () => {
    traffic = false;
    await trafficDone;
    stack.stop();
    exporters?.stop();
    await Promise.all([api?.stop(), worker?.stop()]);
  });

  /** Successes, 4xx, 5xx, syncs and a failing sync, about 20 requests a second, until the tests end. */
  async function runTraffic(): Promise<void> {
    const post = (path: string, body?: unknown) =>
      fetch(`${api.url}${path}`, {
        method: 'POST',
        headers: body ? { 'content-type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
      });
    const create = async (name: string) => ((await (await post('/api/v1/repositories', { name, url: `https://example.com/${name}` })).json()) as { id: string }).id;
    const good = await create('live-good');
    const failing = await create('fail-live');
    await post(`/api/v1/repositories/${failing}/sync`);
    for (let i = 0; traffic; i++) {
      await fetch(`${api.url}/api/v1/repositories?limit=5`);
      await fetch(`${api.url}/api/v1/repositories/${good}`);
      await fetch(`${api.url}/api/v1/repositories/not-a-uuid`);
      if (i % 3 === 0) {
        const res = await fetch(`${api.url}/api/v1/trigger-test-error`);
        if (res.status === 500 && !firstServerError) firstServerError = Date.now();
      }
      if (i % 10 === 0) await post(`/api/v1/repositories/${good}/sync`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('scrapes every target', async () => {
    const up = await stack.query('up');
    const byJob = Object.fromEntries(up.map((s) => [s.metric.job, s.value[1]]));
    expect(byJob).toEqual({ api: '1', worker: '1', 'postgres-exporter': '1', node: '1', prometheus: '1' });
  });

  it('evaluates every recording and alerting rule without error', async () => {
    await new Promise((r) => setTimeout(r, 2500));
    const { data } = await stack.api<{ data: { groups: Array<{ name: string; rules: Array<{ name: string; health: string; lastError?: string }> }> } }>(
      '/api/v1/rules',
    );
    const rules = data.groups.flatMap((g) => g.rules.map((r) => ({ group: g.name, ...r })));
    const inRepo = readdirSync(join(monitoringDir, 'prometheus/rules'))
      .filter((f) => f.endsWith('.rules.yml'))
      .flatMap((f) => parse(readFileSync(join(monitoringDir, 'prometheus/rules', f), 'utf8')).groups.flatMap((g: { rules: unknown[] }) => g.rules));
    expect(rules.length).toBe(inRepo.length + 1); // every rule of the repo, plus the drill
    expect(rules.filter((r) => r.health !== 'ok')).toEqual([]);
  });

  it.each([
    ['API traffic by route', 'sum by (route) (rate(http_requests_total{job="api"}[1m]))'],
    ['API errors by endpoint', 'sum by (endpoint, error_type) (increase(commandcenter_errors_total{job="api"}[5m]))'],
    ['API p95', 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{job="api"}[1m])))'],
    ['availability SLI', 'slo:sli_error:ratio_rate5m{slo="api-availability"}'],
    ['latency SLI', 'slo:sli_error:ratio_rate5m{slo="api-latency"}'],
    ['jobs completed', 'sum by (queue) (bull_jobs_completed_total)'],
    ['queue depth', 'max by (queue, state) (bull_queue_jobs)'],
    ['workers', 'max by (queue) (bull_queue_workers)'],
    ['query durations', 'sum by (operation) (rate(db_query_duration_seconds_count[1m]))'],
    ['app pools', 'sum by (job, state) (db_pool_connections)'],
    ['PostgreSQL connections', 'sum by (instance) (pg_stat_database_numbackends)'],
    ['top statements', 'topk(5, sum by (queryid) (pg_stat_statements_seconds_total))'],
    ['disk', 'node_filesystem_avail_bytes'],
  ])('returns data for %s', async (_name, expr) => {
    expect((await stack.query(expr)).length).toBeGreaterThan(0);
  });

  // Every PromQL query of every dashboard, with Grafana's variables as Grafana would fill them.
  const dashboards = buildDashboards(COMMANDCENTER) as Record<string, { title: string; panels?: Panel[] }>;
  const dashboardQueries = Object.values(dashboards).flatMap((d) =>
    targetsOf(d)
      .filter((t) => t.type === 'prometheus')
      .map((t) => [`${d.title} / ${t.panel}`, t.expr] as [string, string]),
  );
  it.each(dashboardQueries)('dashboard query of %s evaluates, with data when traffic exercises it: %s', async (_panel, expr) => {
    const result = await stack.query(fillVariables(expr));
    if (!MAY_BE_EMPTY.has(expr)) expect(result.length).toBeGreaterThan(0);
  });

  it('keeps request ids as exemplars, scraped over OpenMetrics', async () => {
    const end = Date.now() / 1000;
    const res = await stack.api<{ status: string; data: Array<{ exemplars: Array<{ labels: Record<string, string> }> }> }>(
      `/api/v1/query_exemplars?query=${encodeURIComponent('http_request_duration_seconds_bucket{job="api"}')}&start=${end - 120}&end=${end}`,
    );
    const exemplars = res.data.flatMap((s) => s.exemplars);
    expect(exemplars.length).toBeGreaterThan(0);
    expect(exemplars[0].labels.request_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('carries an alert from Prometheus through Alertmanager to its receiver within the rule allows', async () => {
    const arrived = await waitFor(
      () => stack.notifications.find((n) => n.body.alerts.some((a) => a.labels.alertname === 'ApiHighErrorRatioDrill' && a.status === 'firing')),
      'the drill alert at the receiver',
      60_000,
    );
    const alert = arrived.body.alerts.find((a) => a.labels.alertname === 'ApiHighErrorRatioDrill')!;
    expect(alert.labels).toMatchObject({ severity: 'critical', service: 'api' });
    expect(alert.annotations.runbook_url).toMatch(/docs\/runbooks\/ApiHighErrorRatio\.md$/);
    // Critical goes to the Slack receiver of the real routing tree.
    expect(arrived.body.status).toBe('firing');
    // From the first 5xx: the rate needs two scrapes, then `for`, an evaluation, and Alertmanager's group_wait.
    const latency = arrived.at - firstServerError;
    expect(latency).toBeLessThan(DRILL_FOR_MS + 20_000);
  });
});
