import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { parse, stringify } from 'yaml';
import { buildDashboards } from '../pack/dashboards/dashboards.ts';
import { COMMANDCENTER } from '../pack/commandcenter.config.ts';
import { buildPack } from '../pack/pack.ts';
import { targetsOf } from './support/dashboard-targets.ts';
import { requireBinary } from './support/binaries.js';
import { FLEET } from './support/fleet-config.ts';

const monitoring = join(dirname(fileURLToPath(import.meta.url)), '..');
const prometheusDir = join(monitoring, 'prometheus');
const repository = join(monitoring, '..');
const ruleFiles = readdirSync(join(prometheusDir, 'rules')).filter((f) => f.endsWith('.rules.yml')).map((f) => join(prometheusDir, 'rules', f));
const testFiles = readdirSync(join(prometheusDir, 'tests')).filter((f) => f.endsWith('.test.yml')).map((f) => join(prometheusDir, 'tests', f));

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const alerts: Rule[] = ruleFiles.flatMap((file) =>
  (parse(readFileSync(file, 'utf8')).groups as Array<{ rules: Rule[] }>).flatMap((g) => g.rules.filter((r) => r.alert)),
);

function promtool(...args: string[]): string {
  const bin = requireBinary('promtool', 'prometheus');
  try {
    return execFileSync(bin, args, { cwd: prometheusDir, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

describe('Prometheus rules', () => {
  it('pass promtool check rules and check config', () => {
    expect(promtool('check', 'rules', ...ruleFiles)).toContain('SUCCESS');
    expect(promtool('check', 'config', 'prometheus.yml')).toContain('SUCCESS');
    expect(promtool('check', 'config', '--agent', 'agent.example.yml')).toContain('SUCCESS');
  });

  it('generated for a fleet (several services, per cluster and namespace), pass promtool check rules and their generated tests', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pack-'));
    const pack = buildPack(FLEET);
    for (const kind of ['rules', 'tests'] as const) {
      mkdirSync(join(dir, kind));
      for (const [file, text] of Object.entries(pack[kind])) writeFileSync(join(dir, kind, file), text);
    }
    expect(promtool('check', 'rules', ...Object.keys(pack.rules).map((f) => join(dir, 'rules', f)))).toContain('SUCCESS');
    expect(promtool('test', 'rules', join(dir, 'tests/replicas.test.yml'))).toContain('SUCCESS');
  });

  it("a fleet's dashboard queries are valid PromQL (promtool checks them as recording rules)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'pack-'));
    const exprs = Object.values(buildDashboards(FLEET)).flatMap((d) => targetsOf(d as never).filter((t) => t.type === 'prometheus').map((t) => t.expr));
    const filled = exprs.map((e) => ['$namespace', '$job', '$instance'].reduce((x, v) => x.replaceAll(v, '.*'), e).replaceAll('$__rate_interval', '1m'));
    const rules = { groups: [{ name: 'dashboards', rules: filled.map((expr, i) => ({ record: `dashboard:query${i}`, expr })) }] };
    writeFileSync(join(dir, 'dashboards.rules.yml'), stringify(rules));
    expect(exprs.length).toBeGreaterThan(30);
    expect(promtool('check', 'rules', join(dir, 'dashboards.rules.yml'))).toContain('SUCCESS');
  });

  it("the Table sizes panel reads postgres_exporter's sizes before and after 0.18 (size_bytes; table_size_bytes + index_size_bytes)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'pack-'));
    const [expr] = Object.values(buildDashboards(COMMANDCENTER)).flatMap((d) => targetsOf(d as never).filter((t) => t.panel === 'Table sizes').map((t) => t.expr));
    const exporter = (version: string) => `job="postgres-exporter",instance="${version}",datname="app",schemaname="public"`;
    const test = {
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            { series: `pg_stat_user_tables_size_bytes{${exporter('0.16')},relname="orders",server="db:5432"}`, values: '5000x2' },
            { series: `pg_stat_user_tables_table_size_bytes{${exporter('0.18')},relname="users"}`, values: '3000x2' },
            { series: `pg_stat_user_tables_index_size_bytes{${exporter('0.18')},relname="users"}`, values: '1000x2' },
          ],
          promql_expr_test: [
            {
              expr,
              eval_time: '1m',
              exp_samples: [
                { labels: '{datname="app",relname="orders"}', value: 5000 },
                { labels: '{datname="app",relname="users"}', value: 4000 },
              ],
            },
          ],
        },
      ],
    };
    writeFileSync(join(dir, 'table-sizes.test.yml'), stringify(test));
    expect(promtool('test', 'rules', join(dir, 'table-sizes.test.yml'))).toContain('SUCCESS');
  });

  it('pass every promtool unit test', () => {
    const out = promtool('test', 'rules', ...testFiles);
    expect(out.match(/SUCCESS/g)).toHaveLength(testFiles.length);
  });

  it.each(alerts.map((a) => [a.alert!, a] as [string, Rule]))('%s has a severity, summary, description and a runbook that exists', (name, rule) => {
    // Only the Watchdog, which always fires, is no problem to act on.
    expect(name === 'Watchdog' ? ['none'] : ['critical', 'warning']).toContain(rule.labels?.severity);
    expect(rule.annotations?.summary).toBeTruthy();
    expect(rule.annotations?.description).toBeTruthy();
    expect(rule.annotations?.runbook_url).toMatch(new RegExp(`/docs/runbooks/${name}\\.md$`));
    expect(existsSync(join(repository, 'docs/runbooks', `${name}.md`))).toBe(true);
  });

  it.each(alerts.map((a) => [a.alert!]))('%s has unit tests where it fires and where it stays silent', (name) => {
    const cases = testFiles.flatMap((file) =>
      (parse(readFileSync(file, 'utf8')).tests as Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }>).flatMap(
        (t) => (t.alert_rule_test ?? []).filter((c) => c.alertname === name),
      ),
    );
    expect(cases.some((c) => c.exp_alerts.length > 0)).toBe(true);
    // The Watchdog is never silent: that is its point.
    if (name !== 'Watchdog') expect(cases.some((c) => c.exp_alerts.length === 0)).toBe(true);
  });
});
