import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { freePort } from '../../../tools/testing/services.js';
import { requireBinary } from './binaries.js';

export const monitoringDir = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** A real binary started for the test, stopped with the stack. */
class Daemon {
  readonly output: string[] = [];
  constructor(readonly name: string, readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (c: string) => this.output.push(c));
    child.stderr?.setEncoding('utf8').on('data', (c: string) => this.output.push(c));
  }
  stop(): void {
    this.child.kill('SIGTERM');
  }
}

export interface ReceivedNotification {
  at: number;
  /** The receiver of the repo's routing tree it was sent to. */
  receiver: string;
  body: { status: string; alerts: Array<{ status: string; labels: Record<string, string>; annotations: Record<string, string> }> };
}

/**
 * Prometheus and Alertmanager from the Debian packages, configured like the repo's files but pointed at processes
 * on this machine, with fast scrape and evaluation intervals; a webhook receiver stands in for Slack and email.
 */
export class LiveStack {
  readonly notifications: ReceivedNotification[] = [];
  private readonly daemons: Daemon[] = [];
  private readonly dir = mkdtempSync(join(tmpdir(), 'cc-monitoring-'));
  private webhook?: Server;
  prometheusUrl = '';
  alertmanagerUrl = '';

  /**
   * `targets`: job -> its target(s); `repoRules: false` loads only `extraRules` (a test's own version of the pack);
   * `intervals`: scrape and evaluation intervals (default 1 s; `'shipped'`: those of monitoring/prometheus/prometheus.yml).
   */
  async start(targets: Record<string, string | string[]>, extraRules: string, options: { repoRules?: boolean; intervals?: 'fast' | 'shipped' } = {}): Promise<void> {
    const prometheus = requireBinary('prometheus', 'prometheus');
    const alertmanager = requireBinary('prometheus-alertmanager', 'prometheus-alertmanager');
    const [promPort, amPort, hookPort] = await Promise.all([freePort(), freePort(), freePort()]);
    this.prometheusUrl = `http://127.0.0.1:${promPort}`;
    this.alertmanagerUrl = `http://127.0.0.1:${amPort}`;

    this.webhook = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        this.notifications.push({ at: Date.now(), receiver: (req.url ?? '/').slice(1), body: JSON.parse(body) });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => this.webhook!.listen(hookPort, '127.0.0.1', resolve));

    // The repo's routing tree and inhibition, with every receiver replaced by the test's webhook.
    const am = (await import('yaml')).parse(readFileSync(join(monitoringDir, 'alertmanager/alertmanager.yml'), 'utf8'));
    delete am.global.smtp_auth_password_file;
    am.route.group_wait = '1s';
    am.route.group_interval = '1s';
    am.receivers = am.receivers.map((r: { name: string }) => ({
      name: r.name,
      webhook_configs: [{ url: `http://127.0.0.1:${hookPort}/${r.name}`, send_resolved: true }],
    }));
    writeFileSync(join(this.dir, 'alertmanager.yml'), stringify(am));

    writeFileSync(join(this.dir, 'extra.rules.yml'), extraRules);
    const shipped = options.intervals === 'shipped' ? shippedJobIntervals() : {};
    const scrapeConfigs = Object.entries(targets).map(([job, target]) => ({
      job_name: job,
      ...(shipped[job] ? { scrape_interval: shipped[job] } : {}),
      static_configs: [{ targets: [target].flat() }],
    }));
    writeFileSync(
      join(this.dir, 'prometheus.yml'),
      stringify({
        global: options.intervals === 'shipped' ? shippedIntervals() : { scrape_interval: '1s', evaluation_interval: '1s' },
        rule_files: [...(options.repoRules === false ? [] : [join(monitoringDir, 'prometheus/rules/*.rules.yml')]), join(this.dir, 'extra.rules.yml')],
        alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
        storage: { exemplars: { max_exemplars: 10000 } },
        scrape_configs: [...scrapeConfigs, { job_name: 'prometheus', static_configs: [{ targets: [`127.0.0.1:${promPort}`] }] }],
      }),
    );

    this.daemons.push(
      new Daemon(
        'alertmanager',
        spawn(alertmanager, [
          `--config.file=${join(this.dir, 'alertmanager.yml')}`,
          `--storage.path=${join(this.dir, 'am-data')}`,
          `--web.listen-address=127.0.0.1:${amPort}`,
          '--cluster.listen-address=',
        ]),
      ),
      new Daemon(
        'prometheus',
        spawn(prometheus, [
          `--config.file=${join(this.dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(this.dir, 'prom-data')}`,
          `--web.listen-address=127.0.0.1:${promPort}`,
          '--enable-feature=exemplar-storage',
        ]),
      ),
    );
    for (const [name, url] of [
      ['prometheus', `${this.prometheusUrl}/-/ready`],
      ['alertmanager', `${this.alertmanagerUrl}/-/ready`],
    ]) {
      await pollOk(url, `${name} to be ready: ${this.daemons.find((d) => d.name === name)?.output.join('')}`);
    }
  }

  /** An instant query; throws with Prometheus' own error when the query is invalid. */
  async query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
    const res = await fetch(`${this.prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as { status: string; error?: string; data?: { result: any } };
    if (body.status !== 'success') throw new Error(`query failed: ${body.error} in ${expr}`);
    return Array.isArray(body.data!.result) ? body.data!.result : [];
  }

  async api<T>(path: string): Promise<T> {
    return (await (await fetch(`${this.prometheusUrl}${path}`)).json()) as T;
  }

  stop(): void {
    for (const d of this.daemons) d.stop();
    this.webhook?.close();
    setTimeout(() => rmSync(this.dir, { recursive: true, force: true }), 1000).unref();
  }
}

const shippedConfig = () => parse(readFileSync(join(monitoringDir, 'prometheus/prometheus.yml'), 'utf8'));

/** The global scrape interval, timeout and evaluation interval the pack ships. */
export function shippedIntervals(): { scrape_interval: string; evaluation_interval: string; scrape_timeout?: string } {
  const { global } = shippedConfig();
  return { scrape_interval: global.scrape_interval, evaluation_interval: global.evaluation_interval, ...(global.scrape_timeout ? { scrape_timeout: global.scrape_timeout } : {}) };
}

/** The jobs the pack scrapes at an interval of their own (the apps), job -> interval. */
export function shippedJobIntervals(): Record<string, string> {
  const jobs = shippedConfig().scrape_configs as Array<{ job_name: string; scrape_interval?: string }>;
  return Object.fromEntries(jobs.filter((j) => j.scrape_interval).map((j) => [j.job_name, j.scrape_interval!]));
}

async function pollOk(url: string, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
