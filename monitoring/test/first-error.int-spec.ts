import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FAILING_REPOSITORY_PREFIX } from '@commandcenter/domain';
import { parse } from 'yaml';
import { AppProcess } from '../../tools/testing/app-process.js';
import { waitFor } from '../../tools/testing/log-capture.js';
import { COMMANDCENTER } from '../pack/commandcenter.config.ts';
import { buildDashboards } from '../pack/dashboards/dashboards.ts';
import { fillVariables, targetsOf, type Panel } from './support/dashboard-targets.ts';
import { LiveStack, monitoringDir, shippedJobIntervals } from './support/live-stack.js';

/**
 * The design's validation step, "trigger a 500 error: it appears in the error dashboard within 30 s", on a fresh api
 * and worker behind a real Prometheus scraping and evaluating at the shipped intervals (the apps every 10 s, rules
 * every 15 s): the first error of a
 * new kind, and the first failed job, show in every dashboard query meant to show them, and in the error-ratio and
 * burn-rate expressions, within 30 s. A counter series that first appears at its value is invisible to rate() and
 * increase(); the module shows new series at zero to Prometheus first (metrics/new-series-hold.ts).
 */
const WITHIN_MS = 30_000;
const run = Date.now().toString(36);

const dashboards = buildDashboards(COMMANDCENTER) as Record<string, { title: string; panels?: Panel[] }>;

/** Every Prometheus query of a dashboard's panels whose title matches, with Grafana's variables filled. */
function panelQueries(dashboard: string, title: RegExp): Array<[string, string]> {
  const board = Object.values(dashboards).find((d) => d.title.endsWith(` / ${dashboard}`))!;
  return targetsOf(board)
    .filter((t) => t.type === 'prometheus' && title.test(t.panel))
    .map((t) => [t.panel, fillVariables(t.expr)]);
}

/** The rule's expression (recording rules by name and `slo`), as Prometheus evaluates it. */
function ruleExpr(file: string, name: string, slo?: string): string {
  const groups = parse(readFileSync(join(monitoringDir, 'prometheus/rules', file), 'utf8')).groups as Array<{ rules: Array<{ record?: string; alert?: string; expr: string; labels?: Record<string, string> }> }>;
  const rule = groups.flatMap((g) => g.rules).find((r) => (r.record ?? r.alert) === name && (!slo || r.labels?.slo === slo));
  if (!rule) throw new Error(`no rule ${name} in ${file}`);
  return rule.expr;
}

describe('the first error shows within 30 s (shipped scrape and evaluation intervals)', () => {
  const stack = new LiveStack();
  let api: AppProcess;
  let worker: AppProcess;

  /** Polls every query until each returns a value above zero; the milliseconds each took, from `since`. */
  async function untilAboveZero(queries: Array<[string, string]>, since: number): Promise<Record<string, number>> {
    const seen: Record<string, number> = {};
    while (Object.keys(seen).length < queries.length && Date.now() - since < WITHIN_MS + 15_000) {
      for (const [name, expr] of queries) {
        if (seen[name] !== undefined) continue;
        const result = await stack.query(expr);
        if (result.some((s) => Number(s.value[1]) > 0)) seen[name] = Date.now() - since;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    return seen;
  }

  beforeAll(async () => {
    const env = { DATABASE_URL: process.env.TEST_DATABASE_URL!, REDIS_URL: process.env.TEST_REDIS_URL! };
    [api, worker] = await Promise.all([AppProcess.start('api', env), AppProcess.start('worker', env)]);
    await stack.start({ api: api.url.replace('http://', ''), worker: worker.url.replace('http://', '') }, JSON.stringify({ groups: [] }), { intervals: 'shipped' });
    // A running service: Prometheus has scraped both before anything goes wrong.
    await waitFor(async () => ((await stack.query('up == 1')).length === 3 ? true : undefined), 'a first scrape of every target', 30_000);
  }, 90_000);

  afterAll(async () => {
    stack.stop();
    await Promise.all([api?.stop(), worker?.stop()]);
  });

  it('scrapes the apps at the shipped interval', () => {
    expect(shippedJobIntervals()).toMatchObject({ api: '10s', worker: '10s' });
  });

  it('shows one 500 of a new kind in every Error tracking query and in the error-ratio and burn-rate expressions', async () => {
    const res = await fetch(`${api.url}/api/v1/trigger-test-error`);
    expect(res.status).toBe(500);
    const errorAt = Date.now();
    const ratio = /\(\s*(sum\(rate[\s\S]*?\/ sum\(rate[^)]*\)\))\s*\)\s*>/.exec(ruleExpr('api.rules.yml', 'ApiHighErrorRatio'))?.[1];
    expect(ratio).toBeDefined();
    const queries: Array<[string, string]> = [
      ...panelQueries('Error tracking', /^(Error rate|Errors by endpoint|Errors by type)/),
      ['ApiHighErrorRatio: 5xx ratio', ratio!],
      ...['5m', '30m', '1h', '6h'].map((w) => [`burn rate: availability SLI over ${w}`, ruleExpr('slo.rules.yml', `slo:sli_error:ratio_rate${w}`, 'api-availability')] as [string, string]),
    ];
    expect(queries.length).toBeGreaterThanOrEqual(8);
    const seen = await untilAboveZero(queries, errorAt);
    // What Prometheus stored: the series at zero first, then its value (seconds after the error).
    const samples = await stack.query('http_requests_total{job="api",status_code="500"}[1m]');
    const stored = (samples[0] as unknown as { values?: Array<[number, string]> })?.values?.map(([t, v]) => `${v} at +${(t - errorAt / 1000).toFixed(1)} s`);
    console.log(`first 500, ms until each query is above zero:\n${queries.map(([n]) => `  ${n}: ${seen[n] ?? 'never'}`).join('\n')}\nstored: ${stored?.join(', ')}`);
    for (const [name] of queries) expect([name, seen[name]]).toEqual([name, expect.any(Number)]);
    for (const [name] of queries) expect([name, seen[name] <= WITHIN_MS]).toEqual([name, true]);
  }, 90_000);

  it('shows the first failed job in the Queue deep-dive and Error tracking queries', async () => {
    const created = await fetch(`${api.url}/api/v1/repositories`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: `${FAILING_REPOSITORY_PREFIX}first-${run}`, url: `https://example.com/first-${run}` }),
    });
    const { id } = (await created.json()) as { id: string };
    expect((await fetch(`${api.url}/api/v1/repositories/${id}/sync`, { method: 'POST' })).status).toBe(202);
    await worker.waitForLine((l) => l.msg === 'job failed for good', 'the job failing for good', 20_000);
    const failedAt = Date.now();
    const queries = [...panelQueries('Queue deep-dive', /fail/i), ...panelQueries('Error tracking', /^Failed jobs/)];
    expect(queries.length).toBeGreaterThanOrEqual(2);
    const seen = await untilAboveZero(queries, failedAt);
    console.log(`first failed job, ms until each query is above zero:\n${queries.map(([n]) => `  ${n}: ${seen[n] ?? 'never'}`).join('\n')}`);
    for (const [name] of queries) expect([name, seen[name] !== undefined && seen[name] <= WITHIN_MS]).toEqual([name, true]);
  }, 90_000);

  it("counts as many errors as the api's log has error lines", async () => {
    await Promise.all(Array.from({ length: 4 }, () => fetch(`${api.url}/api/v1/trigger-test-error`)));
    const counted = (await api.metrics())
      .split('\n')
      .filter((l) => l.startsWith('commandcenter_errors_total{'))
      .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
    const logged = api.lines.filter((l) => l.level >= 50 && l.error_fingerprint).length;
    expect(counted).toBe(5);
    expect(logged).toBe(counted);
  });
});
