import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse, stringify } from 'yaml';
import { AppProcess } from '../../tools/testing/app-process.js';
import { startRedis, type StartedRedis } from '../../tools/testing/services.js';
import { COMMANDCENTER } from '../pack/commandcenter.config.ts';
import { buildRuleFiles } from '../pack/pack.ts';
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
        if (up.length) {
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
