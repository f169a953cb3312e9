import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { type DashboardContext, series } from './layout.ts';
import { eachSelector, prom, quantiles, rate } from './queries.ts';

/** Latency, traffic, errors and saturation of the api services (all of them, or those the job variable picks). */
export function goldenSignals(ctx: DashboardContext) {
  const api = (fn: (selector: string) => string, ...matchers: string[]) => eachSelector(ctx.apiSelectors, fn, ...matchers);
  const apps = (fn: (selector: string) => string, ...matchers: string[]) => eachSelector(ctx.appSelectors, fn, ...matchers);
  const fiveHundreds = api((sel) => rate(`http_requests_total${sel}`), 'status_code=~"5.."');
  return ctx
    .dashboard('golden-signals', 'Golden signals', 'Latency, traffic, errors and saturation of the services.')
    .withRow(new RowBuilder('Latency'))
    .withPanel(
      series(
        "API latency (p50, p95, p99), exemplars link to the request's logs",
        's',
        ...quantiles([0.5, 0.95, 0.99], api((sel) => rate(`http_request_duration_seconds_bucket${sel}`)), [], '', { exemplars: true }),
      ),
    )
    .withPanel(series('p95 by route', 's', prom(`histogram_quantile(0.95, sum by (le, route) (${api((sel) => rate(`http_request_duration_seconds_bucket${sel}`))}))`, '{{route}}')))
    .withRow(new RowBuilder('Traffic and errors'))
    .withPanel(series('Traffic by route', 'reqps', prom(`sum by (route, method) (${api((sel) => rate(`http_requests_total${sel}`))})`, '{{method}} {{route}}')))
    .withPanel(series('Error ratio (5xx)', 'percentunit', prom(`sum(${fiveHundreds}) / sum(${api((sel) => rate(`http_requests_total${sel}`))})`, '5xx ratio')))
    .withRow(new RowBuilder('Saturation'))
    .withPanel(series('CPU (cores used, per instance)', 'short', prom(`sum by (job, instance) (${apps((sel) => rate(`process_cpu_seconds_total${sel}`))})`, '{{job}} {{instance}}')))
    .withPanel(series('Memory (resident, per instance)', 'bytes', prom(`sum by (job, instance) (${apps((sel) => `process_resident_memory_bytes${sel}`)})`, '{{job}} {{instance}}')))
    .withPanel(series('Event-loop lag (p99, per instance)', 's', prom(`max by (job, instance) (${apps((sel) => `nodejs_eventloop_lag_p99_seconds${sel}`)})`, '{{job}} {{instance}}')))
    .withPanel(
      series(
        'In flight and waiting',
        'short',
        prom(`sum(${api((sel) => `http_requests_in_flight${sel}`)})`, 'requests in flight'),
        prom(`sum by (job) (${apps((sel) => `db_pool_connections${sel}`, 'state="waiting"')})`, 'pool waiting {{job}}'),
      ),
    );
}
