import type { PackConfig, ServiceConfig } from '../config.ts';
import { Promql } from '../promql.ts';
import type { RuleFile } from '../rule-file.ts';
import { targetAlerts } from './targets.ts';

/** HTTP alerts of each api service: error ratio, p95 latency, targets down. */
export function apiRules(config: PackConfig, services: ServiceConfig[]): RuleFile {
  const q = new Promql(config.aggregation);
  return {
    file: 'api.rules.yml',
    header: [
      'API alerts. Ratios divide sums (one side\'s labels never have to match the other\'s), quantiles aggregate',
      '`by (le)` first, and every alert that divides by traffic has a minimum-traffic guard.',
    ],
    groups: services.map((s) => {
      const requests = `http_requests_total${Promql.selector(s.selector)}`;
      const errors = `http_requests_total${Promql.selector(s.selector, 'status_code=~"5.."')}`;
      const service = s.name;
      return {
        name: s.name === 'api' ? 'api' : `api-${s.name}`,
        rules: [
          {
            alert: 'ApiHighErrorRatio',
            comment: 'More than 5% of requests answered 5xx over 5 minutes, with at least 0.1 requests per second.',
            expr: `(
  ${q.sum(`rate(${errors}[5m])`)}
    / ${q.sum(`rate(${requests}[5m])`)}
) > 0.05
and ${q.sum(`rate(${requests}[5m])`)} > 0.1`,
            for: '2m',
            severity: 'critical',
            service,
            summary: 'API answers {{ $value | humanizePercentage }} of requests with a server error',
            description:
              "More than 5% of the API's requests answered 5xx over the last 5 minutes. Look at the Error tracking dashboard for the endpoints and error fingerprints involved.",
          },
          {
            alert: 'ApiHighLatencyP95',
            comment: 'p95 over all routes above 500 ms (a bucket boundary, so it is never read off the +Inf bucket).',
            expr: `histogram_quantile(0.95, ${q.sum(`rate(http_request_duration_seconds_bucket${Promql.selector(s.selector)}[5m])`, 'le')}) > 0.5
and ${q.sum(`rate(http_request_duration_seconds_count${Promql.selector(s.selector)}[5m])`)} > 0.1`,
            for: '5m',
            severity: 'warning',
            service,
            summary: 'API p95 latency is {{ $value | humanizeDuration }}',
            description:
              'The 95th percentile of API request duration has been above 500 ms for 5 minutes. The Golden signals dashboard shows which routes are slow, with exemplars linking to the slow requests\' logs.',
          },
          ...targetAlerts(q, s, {
            allDown: 'ApiDown',
            someDown: 'ApiReplicasDown',
            what: 'API',
            impact: 'Users are probably getting errors or timeouts.',
          }),
        ],
      };
    }),
  };
}
