import { stringify } from 'yaml';
import type { PackConfig, ServiceConfig } from './config.ts';
import type { AlertRule, RuleFile } from './rule-file.ts';

/** The promtool unit tests the pack can write for any service: replicas, deployments, targets down, error ratio. */
export const RULE_TESTS_FILE = 'replicas.test.yml';

type Labels = Record<string, string>;

/** A selector's `label="value"` matchers, or undefined when it has others (then no series can be made up for it). */
function equalityLabels(selector: string): Labels | undefined {
  const matchers = selector.split(/,(?=\s*[a-zA-Z_]\w*\s*(?:=|!=|=~|!~))/);
  const labels: Labels = {};
  for (const m of matchers) {
    const eq = /^\s*([a-zA-Z_]\w*)\s*=\s*"([^"\\]*)"\s*$/.exec(m);
    if (!eq) return undefined;
    labels[eq[1]] = eq[2];
  }
  return labels;
}

const series = (name: string, labels: Labels) => `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`;

/**
 * Every test scenario runs three replicas of the service in deployment `a` and, when the aggregation labels are not
 * all fixed by its selector, three healthy ones in deployment `b`: an alert must come once, for `a` alone.
 */
function deployments(config: PackConfig, fixed: Labels): Labels[] {
  const free = config.aggregation.filter((l) => !(l in fixed));
  const deployment = (name: string) => ({ ...fixed, ...Object.fromEntries(free.map((l) => [l, name])) });
  return free.length ? [deployment('a'), deployment('b')] : [deployment('a')];
}

/**
 * The generic tests as a promtool test file, or undefined when a selector is not plain `label="value"` matchers
 * (no series can be made up for it, and its absent() alert would fire in every scenario).
 */
export function buildRuleTests(config: PackConfig, files: RuleFile[]): string | undefined {
  const alerts = files.flatMap((f) => f.groups.flatMap((g) => g.rules.filter((r): r is AlertRule => 'alert' in r)));
  const expected = (name: string, service: ServiceConfig, labels: Labels, value?: string) => {
    const rule = alerts.find((a) => a.alert === name && a.service === service.name)!;
    const fill = (text: string) => (value === undefined ? text : text.replace(/{{ \$value \| humanizePercentage }}/g, value));
    return {
      exp_labels: { severity: rule.severity, service: service.name, ...labels },
      exp_annotations: { summary: fill(rule.summary), description: fill(rule.description.replace(/\s+/g, ' ')), runbook_url: `${config.runbookBaseUrl}${name}.md` },
    };
  };
  const aggregated = (labels: Labels) => Object.fromEntries(config.aggregation.map((l) => [l, labels[l]]));
  // Series are made up from the selectors: every selector must be plain label="value" matchers.
  const selectorLabels = config.services.map((s) => equalityLabels(s.selector));
  if (!config.services.length || selectorLabels.some((l) => l === undefined)) return undefined;
  const tests: unknown[] = [];
  for (const [n, s] of config.services.entries()) {
    const fixed = selectorLabels[n]!;
    // The other services are up, or their target-down alerts (absent()) would fire in every scenario.
    const othersUp = config.services
      .map((o, m) => ({ o, labels: selectorLabels[m]! }))
      .filter(({ o }) => o !== s)
      .map(({ o, labels }, i) => ({ series: series('up', { ...deployments(config, labels)[0], instance: `${o.name}-${i}:3000` }), values: '1x20' }));
    const [a, ...others] = deployments(config, fixed);
    const replicas = (d: Labels) => [1, 2, 3].map((i) => ({ ...d, instance: `${s.name}-${i}:3000` }));
    const [allDown, someDown] = s.kind === 'api' ? ['ApiDown', 'ApiReplicasDown'] : ['WorkerDown', 'WorkerReplicasDown'];
    tests.push({
      interval: '1m',
      input_series: [
        // In a: one replica stops answering at 5m, the other two at 15m. In b: all three keep answering.
        ...replicas(a).map((r, i) => ({ series: series('up', r), values: i === 1 ? '1x4 0x16' : '1x14 0x6' })),
        ...others.flatMap(replicas).map((r) => ({ series: series('up', r), values: '1x20' })),
        ...othersUp,
      ],
      alert_rule_test: [
        { eval_time: '4m', alertname: someDown, exp_alerts: [] },
        { eval_time: '12m', alertname: someDown, exp_alerts: [expected(someDown, s, aggregated(a), '33.33%')] },
        { eval_time: '12m', alertname: allDown, exp_alerts: [] },
        { eval_time: '18m', alertname: allDown, exp_alerts: [expected(allDown, s, aggregated(a))] },
        { eval_time: '18m', alertname: someDown, exp_alerts: [] },
      ],
    });
    // No target of the service at all: absent() names it by its selector's labels.
    tests.push({
      interval: '1m',
      input_series: othersUp.length ? othersUp : [{ series: 'up{job="some-other-job",instance="other:9100"}', values: '1x20' }],
      alert_rule_test: [{ eval_time: '3m', alertname: allDown, exp_alerts: [expected(allDown, s, fixed)] }],
    });
    if (s.kind !== 'api') continue;
    // 10 requests per second on each replica of a, one in ten failing; b fails one in 600: the page is a's alone.
    const requests = (d: Labels, ok: number, failed: number) =>
      replicas(d).flatMap((r) => [
        { series: series('http_requests_total', { ...r, method: 'GET', route: '/things', status_code: '200' }), values: `0+${ok}x20` },
        { series: series('http_requests_total', { ...r, method: 'GET', route: '/things', status_code: '500' }), values: `0+${failed}x20` },
      ]);
    tests.push({
      interval: '1m',
      input_series: [...requests(a, 540, 60), ...others.flatMap((d) => requests(d, 599, 1)), ...othersUp],
      alert_rule_test: [
        { eval_time: '2m', alertname: 'ApiHighErrorRatio', exp_alerts: [] },
        { eval_time: '10m', alertname: 'ApiHighErrorRatio', exp_alerts: [expected('ApiHighErrorRatio', s, aggregated(a), '10%')] },
      ],
    });
  }
  if (!tests.length) return undefined;
  const header = [
    '# Generated by monitoring/pack (node monitoring/pack/generate.ts): the tests every service gets. Three replicas of',
    '# each service in one deployment, and in another when the aggregation labels allow, so each alert must come once',
    '# and for the right deployment: targets down (some, all, none at all) and, for an api, the error ratio.',
  ];
  const ruleFileNames = files.filter((f) => f.file === 'api.rules.yml' || f.file === 'queue.rules.yml').map((f) => `../rules/${f.file}`);
  return `${header.join('\n')}\n${stringify({ rule_files: ruleFileNames, evaluation_interval: '1m', tests }, { lineWidth: 0 })}`;
}
