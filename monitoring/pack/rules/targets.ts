import type { ServiceConfig } from '../config.ts';
import { Promql } from '../promql.ts';
import type { AlertRule } from '../rule-file.ts';

interface Names {
  /** Every target of the service down (or none at all): critical. */
  allDown: string;
  /** Some of its targets down, others up: warning. */
  someDown: string;
  /** How the texts name the service: "API", "worker". */
  what: string;
  impact: string;
}

/**
 * Target-down alerts that hold with any number of replicas: one replica of many gone is a warning; all of them gone
 * (or no target at all) is the page. A target that vanished from service discovery has no `up` series: absent()
 * covers a service with none left.
 */
export function targetAlerts(q: Promql, s: ServiceConfig, names: Names): AlertRule[] {
  const up = `up${Promql.selector(s.selector)}`;
  return [
    {
      alert: names.allDown,
      comment: 'None of its targets answers a scrape, or it has none left.',
      expr: `${q.sum(up)} == 0 or absent(${up})`,
      for: '2m',
      severity: 'critical',
      service: s.name,
      summary: `No ${names.what} target is being scraped`,
      description: `Prometheus could not scrape any target of the ${names.what} for 2 minutes (or has none). ${names.impact}`,
    },
    {
      alert: names.someDown,
      comment: 'The share of its targets that do not answer, while others do (all down is the page above).',
      expr: `(1 - ${q.avg(up)}) > 0
and ${q.on()} ${q.sum(up)} > 0`,
      for: '5m',
      severity: 'warning',
      service: s.name,
      summary: `{{ $value | humanizePercentage }} of the ${names.what} targets are down`,
      description: `Some ${names.what} targets have not answered a scrape for 5 minutes while the others serve: less capacity, no outage yet. The dashboards' instance variable shows which.`,
    },
  ];
}
