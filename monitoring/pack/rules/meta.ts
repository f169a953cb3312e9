import type { PackConfig } from '../config.ts';
import { Promql } from '../promql.ts';
import type { AlertRule, RuleFile } from '../rule-file.ts';

/** The monitoring watching itself: an always-firing Watchdog, failing rules, failing notifications, a blind node_exporter. */
export function metaRules(config: PackConfig): RuleFile {
  const q = new Promql(config.aggregation);
  const prometheus = Promql.selector(config.prometheus?.selector ?? 'job="prometheus"');
  const alertmanager = Promql.selector(config.alertmanager?.selector ?? 'job="alertmanager"');
  const node = Promql.selector(config.nodeExporter?.selector ?? 'job="node"');
  const rules: AlertRule[] = [
    {
      alert: 'Watchdog',
      comment: 'Always firing: a dead man\'s switch outside this stack pages when it stops arriving.',
      expr: 'vector(1)',
      severity: 'none',
      service: 'monitoring',
      summary: 'The alerting pipeline is alive',
      description:
        'This alert always fires. Alertmanager sends it to the dead man\'s switch receiver every minute; when it stops arriving, Prometheus, Alertmanager or the path between them is down.',
    },
    {
      alert: 'PrometheusRuleEvaluationFailures',
      comment: 'A rule that fails to evaluate never fires: its alert is silent, not green.',
      expr: `${q.sum(`increase(prometheus_rule_evaluation_failures_total${prometheus}[5m])`, 'rule_group')} > 0`,
      for: '5m',
      severity: 'critical',
      service: 'monitoring',
      summary: 'Rules of group {{ $labels.rule_group }} fail to evaluate',
      description:
        'Prometheus failed to evaluate rules of this group in the last 5 minutes; their alerts cannot fire. Its log and the Rules page say why (a query that errors, too many samples, a changed metric).',
    },
    {
      alert: 'AlertmanagerNotificationsFailing',
      comment: 'Notifications an integration could not deliver (Slack, email, webhook), by integration.',
      expr: `${q.sum(`rate(alertmanager_notifications_failed_total${alertmanager}[5m])`, 'integration')} > 0`,
      for: '5m',
      severity: 'critical',
      service: 'monitoring',
      summary: 'Alertmanager fails to send notifications through {{ $labels.integration }}',
      description:
        'Alertmanager could not deliver notifications through this integration for 5 minutes: alerts are firing that nobody hears about. Check its log for the receiver\'s error (credentials, URL, rate limits).',
    },
    {
      alert: 'NodeExporterDown',
      comment: 'Without node_exporter the disk alerts go silent.',
      expr: `up${node} == 0 or absent(up${node})`,
      for: '5m',
      severity: 'warning',
      service: 'node',
      summary: 'node_exporter is not being scraped',
      description: 'Without it the disk alerts (DiskSpaceLow, DiskFillingUp) are blind. It may be down or unreachable.',
    },
  ];
  return {
    file: 'meta.rules.yml',
    header: ['The monitoring watching itself. Watchdog is routed to the dead man\'s switch receiver in alertmanager.yml.'],
    groups: [{ name: 'meta', rules }],
  };
}
