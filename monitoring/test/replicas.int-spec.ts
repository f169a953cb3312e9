import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse, stringify } from 'yaml';
import { AppProcess } from '../../tools/testing/app-process.js';
import { startRedis, type StartedRedis } from '../../tools/testing/services.js';
import { COMMANDCENTER } from '../pack/commandcenter.config.ts';
import { buildDashboards } from '../pack/dashboards/dashboards.ts';
import { buildRuleFiles } from '../pack/pack.ts';
import { leMatcher } from '../pack/promql.ts';
import { type Panel, targetsOf } from './support/dashboard-targets.ts';
import { LiveStack } from './support/live-stack.js';

/**
 * The pack's api and queue alerts, the same expressions on a test's clock: windows of 20 s instead of 5 to 15
 * minutes, `for` of 3 s instead of 2 to 10 minutes. Names and labels unchanged, so Alertmanager routes and inhibits
 * them as in production.
 */
function fastRules(): string {
  const files = buildRuleFiles(COMMANDCENTER);
  const groups = ['api.rules.yml', 'queue.rules.yml'].flatMap((f) => parse(files[f]).groups);
  for (const group of groups) {
    for (const rule of group.rules) {
      rule.expr = String(rule.expr).replace(/\[(\d+)m(:1m)?\]/g, (_m: string, _n: string, sub?: string) => (sub ? '[20s:1s]' : '[20s]'));
      if (rule.for) rule.for = '3s';
    }
  }
  return stringify({ groups });
}


// Three api and two worker processes behind a real Prometheus and Alertmanager: the alerts hold with replicas.
describe('many replicas, live', () => {
  const stack = new LiveStack();
  // A Redis of its own: processes killed here may hold the queue-size lease, which must not reach other test files.
  let redis: StartedRedis;
  const env = () => ({ DATABASE_URL: process.env.TEST_DATABASE_URL!, REDIS_URL: redis.url, LOG_LEVEL: 'warn', SYNC_WORK_MS: '0' });
  let apis: AppProcess[] = [];
  let workers: AppProcess[] = [];
  let traffic = true;
  let paused = false;
  let trafficDone: Promise<void>;
  const killed = new Set<AppProcess>();
  const live = () => apis.filter((a) => !killed.has(a));
  const kill = async (app: AppProcess) => {
    killed.add(app);
    await app.kill();
  };
  const notified = (alertname: string, receiver?: string) =>
    stack.notifications.filter((n) => n.body.alerts.some((a) => a.labels.alertname === alertname && a.status === 'firing') && (!receiver || n.receiver === receiver));
  const firing = async (alertname: string) => (await stack.query(`ALERTS{alertname="${alertname}",alertstate="firing"}`)).length > 0;

  beforeAll(async () => {
    redis = await startRedis();
    apis = await Promise.all([1, 2, 3].map(() => AppProcess.start('api', env())));
    workers = await Promise.all([1, 2].map(() => AppProcess.start('worker', env())));
    await stack.start({ api: apis.map((a) => a.url.replace('http://', '')), worker: workers.map((w) => w.url.replace('http://', '')) }, fastRules(), { repoRules: false });
    trafficDone = (async () => {
      const repo = (await (await fetch(`${apis[0].url}/api/v1/repositories`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'replicas', url: 'https://example.com/r' }) })).json()) as { id: string };
      for (let i = 0; traffic; i++) {
        const up = live();
        if (up.length && !paused) {
          const api = up[i % up.length];
          await fetch(`${api.url}/api/v1/repositories?limit=5`).catch(() => undefined);
          if (i % 5 === 0) await fetch(`${api.url}/api/v1/repositories/${repo.id}/sync`, { method: 'POST' }).catch(() => undefined);
        }
        await new Promise((r) => setTimeout(r, 40));
      }
    })();
    await new Promise((r) => setTimeout(r, 8000));
  }, 120_000);

  afterAll(async () => {
    traffic = false;
    await trafficDone;
    stack.stop();
    await Promise.all([...apis, ...workers].filter((p) => !killed.has(p)).map((p) => p.stop().catch(() => undefined)));
    redis?.stop();
  });

  it('scrapes every replica', async () => {
    const up = await stack.query('up == 1');
    expect(up.map((s) => s.metric.job).sort()).toEqual(['api', 'api', 'api', 'prometheus', 'worker', 'worker']);
  });

  it("traffic spread over the replicas: Prometheus's sums equal the processes' own counts, and the pack's ratios weigh replicas by traffic", async () => {
    paused = true;
    // The burst's errors are the first of their series: the module shows new series at zero first, so Prometheus
    // counts them as it counts the rest (metrics/new-series-hold.ts).
    // Let the background traffic leave the 10-second window the ratios are read over.
    await new Promise((r) => setTimeout(r, 11_000));
    // Uneven on purpose, and below the error-ratio alert: the first replica serves 10 requests and fails 4 more,
    // the others serve 100 each. An average of the replicas' ratios would read 10%, the traffic's ratio under 2%.
    for (const [i, api] of apis.entries()) {
      await Promise.all(Array.from({ length: i === 0 ? 10 : 100 }, () => fetch(`${api.url}/api/v1/repositories?limit=5`)));
      if (i === 0) await Promise.all(Array.from({ length: 4 }, () => fetch(`${api.url}/api/v1/trigger-test-error`)));
    }
    // The processes' own figures, as each one counted them; Prometheus's scrapes (route /metrics) keep counting, so
    // they are left out on both sides.
    const own = { all: 0, errors: 0, fast: 0, count: 0 };
    for (const api of apis) {
      for (const line of (await (await fetch(`${api.url}/metrics`)).text()).split('\n').filter((l) => !l.includes('route="/metrics"'))) {
        const value = Number(line.split(' ').at(-1));
        if (line.startsWith('http_requests_total{')) {
          own.all += value;
          if (/status_code="5\d\d"/.test(line)) own.errors += value;
        }
        if (line.startsWith('http_request_duration_seconds_count{')) own.count += value;
        if (line.startsWith('http_request_duration_seconds_bucket{') && /le="1(\.0)?"/.test(line)) own.fast += value;
      }
    }
    const sums = 'sum(http_requests_total{job="api",route!="/metrics"}) or vector(0)';
    for (let i = 0; i < 40 && Number((await stack.query(sums))[0]?.value[1]) !== own.all; i++) await new Promise((r) => setTimeout(r, 250));
    await new Promise((r) => setTimeout(r, 1000));
    const t = Date.now() / 1000;
    const at = async (expr: string) => Number((await stack.api<{ data: { result: Array<{ value: [number, string] }> } }>(`/api/v1/query?time=${t}&query=${encodeURIComponent(expr)}`)).data.result[0]?.value[1]);
    expect(await at('sum(http_requests_total{job="api",route!="/metrics"})')).toBe(own.all);
    expect(await at('sum(http_requests_total{job="api",route!="/metrics",status_code=~"5.."})')).toBe(own.errors);
    expect(await at('sum(http_request_duration_seconds_count{job="api",route!="/metrics"})')).toBe(own.count);
    expect(await at(`sum(http_request_duration_seconds_bucket{job="api",route!="/metrics",${leMatcher(1)}})`)).toBe(own.fast);

    // The pack's availability SLI over a window holding the uneven burst, against the same figures per replica: as
    // one process serving all the traffic would count it (bad over total), not an average of the replicas' ratios.
    const slo = parse(buildRuleFiles(COMMANDCENTER)['slo.rules.yml']).groups.find((g: { name: string }) => g.name === 'slo-api-availability');
    const sli = String(slo.rules.find((r: { record: string }) => r.record === 'slo:sli_error:ratio_rate5m').expr).replaceAll('[5m]', '[10s]');
    const [bad, total] = sli.split(' / ').map((e) => (e.startsWith('(') ? e.slice(1, -1) : e).replace('sum(', 'sum by (instance) ('));
    const byInstance = async (expr: string) =>
      Object.fromEntries(
        (await stack.api<{ data: { result: Array<{ metric: { instance: string }; value: [number, string] }> } }>(`/api/v1/query?time=${t}&query=${encodeURIComponent(expr)}`)).data.result.map((r) => [r.metric.instance, Number(r.value[1])]),
      );
    const [bads, totals] = [await byInstance(bad), await byInstance(total)];
    expect(Object.keys(totals)).toHaveLength(3);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const overall = await at(sli);
    expect(overall).toBeGreaterThan(0);
    expect(overall).toBeCloseTo(sum(Object.values(bads)) / sum(Object.values(totals)), 10);
    const averaged = sum(Object.keys(totals).map((i) => (bads[i] ?? 0) / totals[i])) / 3;
    expect(Math.abs(overall - averaged)).toBeGreaterThan(0.01);
    // The Golden signals dashboard's error ratio, its variables at All, reads the same figure.
    const golden = buildDashboards(COMMANDCENTER)['cc-golden-signals.json'] as { panels: Panel[] };
    const panel = targetsOf(golden).find((q) => q.panel === 'Error ratio (5xx)')!.expr;
    const filled = ['$namespace', '$job', '$instance'].reduce((e, v) => e.replaceAll(v, '.*'), panel).replaceAll('$__rate_interval', '10s');
    expect(await at(filled)).toBeCloseTo(overall, 10);
    paused = false;
  });

  it('one worker killed while the other works: a warning, no queue alert', async () => {
    await kill(workers[1]);
    for (let i = 0; i < 60 && !(await firing('WorkerReplicasDown')); i++) await new Promise((r) => setTimeout(r, 500));
    expect(await firing('WorkerReplicasDown')).toBe(true);
    await new Promise((r) => setTimeout(r, 6000));
    for (const name of ['WorkerDown', 'QueueNotProgressing', 'QueueBacklogGrowing']) expect([name, await firing(name)]).toEqual([name, false]);
    expect(notified('WorkerDown')).toEqual([]);
  });

  it('one api killed of three: a warning by email, no page', async () => {
    await kill(apis[2]);
    for (let i = 0; i < 60 && !notified('ApiReplicasDown').length; i++) await new Promise((r) => setTimeout(r, 500));
    expect(notified('ApiReplicasDown', 'email-oncall').length).toBeGreaterThan(0);
    expect(stack.notifications.filter((n) => n.receiver === 'slack-critical')).toEqual([]);
  });

  it('every api killed: the page, once', async () => {
    const started = Date.now();
    await Promise.all(live().map(kill));
    for (let i = 0; i < 120 && !notified('ApiDown').length; i++) await new Promise((r) => setTimeout(r, 500));
    const pages = stack.notifications.filter((n) => n.receiver === 'slack-critical' && n.body.alerts.some((a) => a.status === 'firing'));
    expect(pages.flatMap((n) => n.body.alerts.filter((a) => a.status === 'firing').map((a) => a.labels.alertname))).toEqual(['ApiDown']);
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});
