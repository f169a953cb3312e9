import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { parse, stringify } from 'yaml';
import { freePort } from '../../tools/testing/services.js';
import { requireBinary } from './support/binaries.js';
import { monitoringDir } from './support/live-stack.js';

interface Notification {
  receiver: string;
  status: string;
  alerts: Array<{ status: string; labels: Record<string, string> }>;
}

// The repository's alertmanager.yml in a real Alertmanager, its receivers pointed at a webhook: what reaches people.
describe('Alertmanager: one incident, one page', () => {
  const received: Notification[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'cc-inhibition-'));
  let alertmanager: ChildProcess;
  let hook: Server;
  let url = '';

  beforeAll(async () => {
    const [amPort, hookPort] = await Promise.all([freePort(), freePort()]);
    url = `http://127.0.0.1:${amPort}`;
    hook = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(hookPort, '127.0.0.1', resolve));
    const am = parse(readFileSync(join(monitoringDir, 'alertmanager/alertmanager.yml'), 'utf8'));
    delete am.global.smtp_auth_password_file;
    am.route.group_wait = '2s';
    am.route.group_interval = '1s';
    am.receivers = am.receivers.map((r: { name: string }) => ({ name: r.name, webhook_configs: [{ url: `http://127.0.0.1:${hookPort}/` }] }));
    writeFileSync(join(dir, 'alertmanager.yml'), stringify(am));
    alertmanager = spawn(requireBinary('prometheus-alertmanager', 'prometheus-alertmanager'), [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${amPort}`,
      '--cluster.listen-address=',
    ]);
    for (let i = 0; i < 100; i++) {
      if (await fetch(`${url}/-/ready`).then((r) => r.ok, () => false)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('Alertmanager did not become ready');
  });
  afterAll(() => {
    alertmanager?.kill();
    hook?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    received.length = 0;
  });

  async function post(alerts: Array<Record<string, string>>, endsAt?: Date): Promise<void> {
    const res = await fetch(`${url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts.map((labels) => ({ labels, startsAt: new Date(Date.now() - 1000).toISOString(), ...(endsAt ? { endsAt: endsAt.toISOString() } : {}) }))),
    });
    expect(res.status).toBe(200);
  }

  /**
   * Posts firing alerts as Prometheus does and returns the names of the firing ones that reached each receiver once
   * the groups flushed; then resolves them, so the next case starts from nothing.
   */
  async function fire(alerts: Array<Record<string, string>>): Promise<Record<string, string[]>> {
    await post(alerts);
    await new Promise((r) => setTimeout(r, 4000));
    const byReceiver: Record<string, string[]> = {};
    for (const n of received) for (const a of n.alerts) if (a.status === 'firing') (byReceiver[n.receiver] ??= []).push(a.labels.alertname);
    await post(alerts, new Date());
    await new Promise((r) => setTimeout(r, 1500));
    return byReceiver;
  }

  it('pages once for an error burst: the error ratio, not the budget burn that follows; the slow burn and a replica warning stay quiet', async () => {
    const incident = `burst-${Date.now()}`;
    const got = await fire([
      { alertname: 'ApiHighErrorRatio', severity: 'critical', service: 'api', incident },
      { alertname: 'ApiAvailabilityBudgetBurn', severity: 'critical', service: 'api', slo: 'api-availability', incident },
      { alertname: 'ApiAvailabilityBudgetBurnSlow', severity: 'warning', service: 'api', slo: 'api-availability', incident },
      { alertname: 'ApiReplicasDown', severity: 'warning', service: 'api', incident },
    ]);
    expect(got).toEqual({ 'slack-critical': ['ApiHighErrorRatio'] });
  });

  it('pages once when every api replica is gone, and keeps another service, and another namespace, apart', async () => {
    const incident = `down-${Date.now()}`;
    const got = await fire([
      { alertname: 'ApiDown', severity: 'critical', service: 'api', incident },
      { alertname: 'ApiHighErrorRatio', severity: 'critical', service: 'api', incident },
      { alertname: 'ApiLatencyBudgetBurn', severity: 'critical', service: 'api', incident },
      { alertname: 'QueueBacklogGrowing', severity: 'warning', service: 'worker', incident },
      { alertname: 'ApiHighErrorRatio', severity: 'critical', service: 'api', namespace: 'staging', incident },
    ]);
    expect(Object.fromEntries(Object.entries(got).map(([k, v]) => [k, v.sort()]))).toEqual({
      'slack-critical': ['ApiDown', 'ApiHighErrorRatio'],
      'email-oncall': ['QueueBacklogGrowing'],
    });
    // The ApiHighErrorRatio that got through is the other namespace's.
    const paged = received.flatMap((n) => n.alerts).filter((a) => a.labels.alertname === 'ApiHighErrorRatio' && a.status === 'firing');
    expect([...new Set(paged.map((a) => a.labels.namespace))]).toEqual(['staging']);
  });
});
