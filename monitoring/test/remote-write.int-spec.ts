import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse, stringify } from 'yaml';
import { AppProcess } from '../../tools/testing/app-process.js';
import { freePort } from '../../tools/testing/services.js';
import { COMMANDCENTER } from '../pack/commandcenter.config.ts';
import { buildRuleFiles } from '../pack/pack.ts';
import { requireBinary } from './support/binaries.js';

/** The pack's ApiHighErrorRatio generated per cluster, its windows shortened to 30 s and `for` to 2 s. */
function centralRule(): string {
  const api = parse(buildRuleFiles({ ...COMMANDCENTER, aggregation: ['cluster'] })['api.rules.yml']);
  const rule = api.groups[0].rules.find((r: { alert?: string }) => r.alert === 'ApiHighErrorRatio');
  return stringify({ groups: [{ name: 'central', rules: [{ ...rule, alert: 'ApiHighErrorRatioCentral', expr: rule.expr.replaceAll('[5m]', '[30s]'), for: '2s' }] }] });
}

/**
 * Beyond one Prometheus: an agent-mode Prometheus scrapes the api and remote-writes everything, exemplars included,
 * to a central Prometheus that only receives (remote-write receiver on) and evaluates the rules.
 */
describe('remote write: an agent scrapes, a central Prometheus evaluates', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cc-remote-write-'));
  const daemons: ChildProcess[] = [];
  let api: AppProcess;
  let central = '';
  let traffic = true;
  let trafficDone: Promise<void>;

  const query = async (expr: string) => {
    const body = (await (await fetch(`${central}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
    return body.data.result;
  };

  beforeAll(async () => {
    const prometheus = requireBinary('prometheus', 'prometheus');
    api = await AppProcess.start('api', { DATABASE_URL: process.env.TEST_DATABASE_URL!, REDIS_URL: process.env.TEST_REDIS_URL! });
    const [centralPort, agentPort] = await Promise.all([freePort(), freePort()]);
    central = `http://127.0.0.1:${centralPort}`;
    writeFileSync(join(dir, 'central.rules.yml'), centralRule());
    writeFileSync(join(dir, 'central.yml'), stringify({ global: { evaluation_interval: '1s' }, rule_files: [join(dir, 'central.rules.yml')] }));
    writeFileSync(
      join(dir, 'agent.yml'),
      stringify({
        global: { scrape_interval: '1s', external_labels: { cluster: 'edge-1' } },
        scrape_configs: [{ job_name: 'api', static_configs: [{ targets: [api.url.replace('http://', '')] }] }],
        remote_write: [{ url: `${central}/api/v1/write`, send_exemplars: true, queue_config: { batch_send_deadline: '1s' } }],
      }),
    );
    daemons.push(
      spawn(prometheus, [`--config.file=${join(dir, 'central.yml')}`, `--storage.tsdb.path=${join(dir, 'central')}`, `--web.listen-address=127.0.0.1:${centralPort}`, '--web.enable-remote-write-receiver', '--enable-feature=exemplar-storage'], { stdio: 'ignore' }),
      spawn(prometheus, [`--config.file=${join(dir, 'agent.yml')}`, `--storage.agent.path=${join(dir, 'agent')}`, `--web.listen-address=127.0.0.1:${agentPort}`, '--enable-feature=agent,exemplar-storage'], { stdio: 'ignore' }),
    );
    trafficDone = (async () => {
      for (let i = 0; traffic; i++) {
        await fetch(`${api.url}${i % 2 ? '/api/v1/repositories?limit=5' : '/api/v1/trigger-test-error'}`).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
  }, 60_000);

  afterAll(async () => {
    traffic = false;
    await trafficDone;
    for (const d of daemons) d.kill('SIGTERM');
    await api?.stop();
    setTimeout(() => rmSync(dir, { recursive: true, force: true }), 1000).unref();
  });

  it("receives the agent's samples with its external labels", async () => {
    let series: Awaited<ReturnType<typeof query>> = [];
    for (let i = 0; i < 60 && !series.length; i++) {
      series = await query('up{job="api"}').catch(() => []);
      if (!series.length) await new Promise((r) => setTimeout(r, 500));
    }
    expect(series.map((s) => [s.metric.cluster, s.value[1]])).toEqual([['edge-1', '1']]);
  });

  it('fires the rules it evaluates itself, kept apart by cluster', async () => {
    let firing: Array<{ labels: Record<string, string>; state: string }> = [];
    for (let i = 0; i < 80 && !firing.length; i++) {
      const body = (await (await fetch(`${central}/api/v1/alerts`)).json()) as { data: { alerts: Array<{ labels: Record<string, string>; state: string }> } };
      firing = body.data.alerts.filter((a) => a.labels.alertname === 'ApiHighErrorRatioCentral' && a.state === 'firing');
      if (!firing.length) await new Promise((r) => setTimeout(r, 500));
    }
    expect(firing.map((a) => a.labels)).toEqual([{ alertname: 'ApiHighErrorRatioCentral', cluster: 'edge-1', severity: 'critical', service: 'api' }]);
  });

  it('keeps the request ids as exemplars through remote write', async () => {
    let exemplars: Array<{ labels: Record<string, string> }> = [];
    for (let i = 0; i < 40 && !exemplars.length; i++) {
      const end = Date.now() / 1000;
      const res = (await (await fetch(`${central}/api/v1/query_exemplars?query=${encodeURIComponent('http_request_duration_seconds_bucket{job="api"}')}&start=${end - 60}&end=${end}`)).json()) as {
        data: Array<{ exemplars: Array<{ labels: Record<string, string> }> }>;
      };
      exemplars = res.data.flatMap((s) => s.exemplars);
      if (!exemplars.length) await new Promise((r) => setTimeout(r, 500));
    }
    expect(exemplars.length).toBeGreaterThan(0);
    expect(exemplars[0].labels.request_id).toMatch(/^[0-9a-f-]{36}$/);
  });
});
