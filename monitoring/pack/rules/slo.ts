import { DEFAULT_SLO, type PackConfig, type ServiceConfig } from '../config.ts';
import { duration, percent, round } from '../format.ts';
import { leMatcher, Promql } from '../promql.ts';
import type { AlertRule, RecordRule, RuleFile, RuleGroup } from '../rule-file.ts';

/** Windows read from the raw series; the long ones are summed from recorded 5-minute rates (see sloGroup). */
const SHORT_WINDOWS = ['5m', '30m', '1h', '6h'];
const LONG_WINDOWS = ['3d', '30d'];


/**
 * SLOs of each api service over 30 days, alerted with multi-window multi-burn-rate rules (Google SRE workbook,
 * "Alerting on SLOs"). Recording rules follow Sloth's naming: slo:sli_error:ratio_rate<window>, by slo and service.
 */
export function sloRules(config: PackConfig, services: ServiceConfig[]): RuleFile {
  const q = new Promql(config.aggregation);
  const groups: RuleGroup[] = [];
  for (const s of services) {
    const slo = { ...DEFAULT_SLO, ...s.slo };
    const requests = (w: string) => q.sum(`rate(http_requests_total${Promql.selector(s.selector)}[${w}])`);
    const errors = (w: string) => q.sum(`rate(http_requests_total${Promql.selector(s.selector, 'status_code=~"5.."')}[${w}])`);
    const count = (w: string) => q.sum(`rate(http_request_duration_seconds_count${Promql.selector(s.selector)}[${w}])`);
    const fast = (w: string) => q.sum(`rate(http_request_duration_seconds_bucket${Promql.selector(s.selector, leMatcher(slo.latency.thresholdSeconds))}[${w}])`);
    groups.push(
      sloGroup(q, s, 'availability', round(1 - slo.availability), errors, requests, {
        fast: {
          summary: 'The API burns its availability error budget fast',
          description: `At this rate the ${percent(slo.availability)} availability objective's 30-day error budget is gone within days. Check the SLO and Error tracking dashboards.`,
        },
        slow: {
          summary: 'The API spends its availability error budget faster than it earns it',
          description: `Over 3 days more than ${percent(round(1 - slo.availability))} of requests failed: the 30-day budget will not last. Plan a fix; look at the SLO dashboard and the top error fingerprints.`,
        },
      }),
      sloGroup(q, s, 'latency', round(1 - slo.latency.objective), (w) => `${count(w)} - ${fast(w)}`, count, {
        fast: {
          summary: 'The API burns its latency error budget fast',
          description: `Far more than ${percent(round(1 - slo.latency.objective))} of requests take longer than ${duration(slo.latency.thresholdSeconds)}: the 30-day latency budget is gone within days. Check the Golden signals dashboard (exemplars lead to the slow requests) and Database performance.`,
        },
        slow: {
          summary: 'The API spends its latency error budget faster than it earns it',
          description: `Over 3 days more than ${percent(round(1 - slo.latency.objective))} of requests took longer than ${duration(slo.latency.thresholdSeconds)}. Plan a fix; the SLO dashboard shows the trend.`,
        },
      }),
    );
  }
  return {
    file: 'slo.rules.yml',
    header: [
      'API SLOs over 30 days, alerted with multi-window multi-burn-rate rules (Google SRE workbook, "Alerting on SLOs").',
      ...services.map((s) => {
        const slo = { ...DEFAULT_SLO, ...s.slo };
        return `  ${s.name}: availability ${percent(slo.availability)} of requests without a 5xx; latency ${percent(slo.latency.objective)} within ${duration(slo.latency.thresholdSeconds)} (a bucket bound)`;
      }),
      "Recording rules follow Sloth's naming: slo:sli_error:ratio_rate<window>, labelled by slo and service; the 3- and",
      '30-day ratios are summed over time from the recorded 5-minute rates (slo:sli_bad:rate5m, slo:sli_total:rate5m). Each SLO\'s',
      'alerts share its group: rules of a group run in order, so an alert always reads the recordings of the same round.',
      '`le` is matched as "1" or "1.0": Prometheus 3 writes classic histogram bounds as floats.',
    ],
    groups,
  };
}

type Texts = Record<'fast' | 'slow', { summary: string; description: string }>;

/**
 * One SLO's group. `bad` and `traffic` give the rate of bad events and of all events over a window, from the raw
 * series. The 3- and 30-day ratios are sums over time of the recorded 5-minute rates, not rates over the raw series:
 * each evaluation then reads one recorded series instead of every raw one over days, and the ratio stays weighted
 * by traffic.
 */
function sloGroup(q: Promql, s: ServiceConfig, kind: 'availability' | 'latency', budget: number, bad: (w: string) => string, traffic: (w: string) => string, texts: Texts): RuleGroup {
  const slo = `${s.name}-${kind}`;
  const labels = { service: s.name, slo };
  const recorded = (name: string, w: string) => `sum_over_time(slo:sli_${name}:rate5m{slo="${slo}"}[${w}])`;
  const records: RecordRule[] = [
    { record: 'slo:sli_bad:rate5m', labels, expr: bad('5m') },
    { record: 'slo:sli_total:rate5m', labels, expr: traffic('5m') },
    ...SHORT_WINDOWS.map((w) => ({ record: `slo:sli_error:ratio_rate${w}`, labels, expr: `(${bad(w)}) / ${traffic(w)}` })),
    ...LONG_WINDOWS.map((w) => ({ record: `slo:sli_error:ratio_rate${w}`, labels, expr: `${recorded('bad', w)} / ${recorded('total', w)}` })),
    { record: 'slo:objective:ratio', labels, expr: `vector(${round(1 - budget)})` },
    { record: 'slo:error_budget:ratio', labels, expr: `vector(${budget})` },
  ];
  const sli = (w: string) => `slo:sli_error:ratio_rate${w}{slo="${slo}"}`;
  const name = `Api${kind === 'availability' ? 'Availability' : 'Latency'}BudgetBurn`;
  const alerts: AlertRule[] = [
    {
      alert: name,
      comment:
        kind === 'availability'
          ? 'Page: 2% of the 30-day budget gone in 1 hour (14.4x), or 5% in 6 hours (6x); the short window makes the\nalert stop soon after the burn stops. A handful of failed requests on a near-idle API is no emergency.'
          : undefined,
      expr: `((
  ${sli('1h')} > (14.4 * ${budget})
  and ${sli('5m')} > (14.4 * ${budget})
)
or
(
  ${sli('6h')} > (6 * ${budget})
  and ${sli('30m')} > (6 * ${budget})
)
) and ${q.on()} ${traffic('30m')} > 0.1`,
      for: '2m',
      severity: 'critical',
      service: s.name,
      ...texts.fast,
    },
    {
      alert: `${name}Slow`,
      comment: kind === 'availability' ? 'Ticket: the budget is burning at least as fast as it is earned, over 3 days.' : undefined,
      expr: `${sli('3d')} > ${budget}
and ${sli('6h')} > ${budget}
and ${q.on()} ${traffic('6h')} > 0.1`,
      for: '1h',
      severity: 'warning',
      service: s.name,
      ...texts.slow,
    },
  ];
  return { name: `slo-${slo}`, rules: [...records, ...alerts] };
}
