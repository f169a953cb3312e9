import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AppProcess } from '../../tools/testing/app-process.js';
import { startExporters } from './support/exporters.js';
import { LiveStack } from './support/live-stack.js';

/**
 * The design's validation list ends with "healthy traffic for several minutes fires no alert but the watchdog": the
 * shipped rules (every `for:` as written) over a fresh api and worker, postgres_exporter and node_exporter, scraped
 * and evaluated every second, with Alertmanager's real routing, while only healthy traffic flows. node_exporter runs
 * without its filesystem collector: the disks of the machine running the test are not the system under test.
 */
const MINUTES = Number(process.env.HEALTHY_MINUTES ?? 3);

describe(`healthy traffic for ${MINUTES} minutes`, () => {
  const stack = new LiveStack();
  let exporters: Awaited<ReturnType<typeof startExporters>> | undefined;
  let api: AppProcess;
  let worker: AppProcess;
  const served = { requests: 0, syncs: 0, failed: 0 };

  beforeAll(async () => {
    const env = { DATABASE_URL: process.env.TEST_DATABASE_URL!, REDIS_URL: process.env.TEST_REDIS_URL! };
    [api, worker] = await Promise.all([AppProcess.start('api', env), AppProcess.start('worker', env)]);
    exporters = await startExporters(process.env.TEST_DATABASE_URL!, { filesystems: false });
    await stack.start({ api: api.url.replace('http://', ''), worker: worker.url.replace('http://', ''), ...exporters.targets }, JSON.stringify({ groups: [] }));
    const json = { 'content-type': 'application/json' };
    const end = Date.now() + MINUTES * 60_000;
    for (let i = 0; Date.now() < end; i++) {
      const list = await fetch(`${api.url}/api/v1/repositories?limit=5`);
      served.requests++;
      if (!list.ok) served.failed++;
      if (i % 20 === 0) {
        const name = `healthy-${Date.now().toString(36)}-${i}`;
        const created = await fetch(`${api.url}/api/v1/repositories`, { method: 'POST', headers: json, body: JSON.stringify({ name, url: `https://example.com/${name}` }) });
        const { id } = (await created.json()) as { id: string };
        const sync = await fetch(`${api.url}/api/v1/repositories/${id}/sync`, { method: 'POST' });
        served.requests += 2;
        served.syncs++;
        if (created.status !== 201 || sync.status !== 202) served.failed++;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }, MINUTES * 60_000 + 90_000);

  afterAll(async () => {
    stack.stop();
    exporters?.stop();
    await Promise.all([api?.stop(), worker?.stop()]);
  });

  it('served every request and completed every sync', async () => {
    expect(served.failed).toBe(0);
    expect(served.requests).toBeGreaterThan(MINUTES * 60 * 5);
    const completed = await stack.query('sum(bull_jobs_completed_total{job="worker"})');
    expect(Number(completed[0]?.value[1])).toBeGreaterThanOrEqual(served.syncs - 2);
  });

  it('fires no alert but the always-firing Watchdog, and notifies nothing else', async () => {
    const firing = (await stack.query('ALERTS{alertstate="firing"}')).map((s) => s.metric.alertname);
    expect(firing).toEqual(['Watchdog']);
    const notified = new Set(stack.notifications.flatMap((n) => n.body.alerts.map((a) => a.labels.alertname)));
    expect([...notified]).toEqual(['Watchdog']);
    expect(stack.notifications.every((n) => n.receiver === 'deadmansswitch')).toBe(true);
  });

  it('evaluated every rule without error the whole time', async () => {
    const failures = await stack.query('sum(increase(prometheus_rule_evaluation_failures_total[10m]))');
    expect(Number(failures[0]?.value[1] ?? 0)).toBe(0);
  });
});
