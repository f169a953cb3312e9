import { DashboardBuilder, DatasourceVariableBuilder, QueryVariableBuilder, RowBuilder, TextBoxVariableBuilder, VariableRefresh } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as LogsPanel } from '@grafana/grafana-foundation-sdk/logs';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import { LOKI, logql, PROMETHEUS, prom, quantiles, resetRefIds, SCOPE } from './queries.ts';
import { withStablePanelIds } from './panel-ids.ts';

/** The api's series, narrowed by the drill-down variables. */
const API = `job="api",${SCOPE}`;
const APPS = 'service=~"api|worker"';

/** A label's values among the scraped targets, narrowed by the variables before it; all of them by default. */
function labelVariable(name: string, label: string, filter: string) {
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(PROMETHEUS)
    .query({ query: `label_values(up${filter}, ${name})`, refId: 'PrometheusVariableQueryEditor-VariableQuery' })
    .definition(`label_values(up${filter}, ${name})`)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .includeAll(true)
    .multi(true)
    .allValue('.*')
    .current({ text: 'All', value: '$__all' });
}

function dashboard(uid: string, title: string, description: string) {
  return new DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(['commandcenter', 'generated'])
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .timezone('browser')
    .withVariable(new DatasourceVariableBuilder('datasource').label('Metrics').type('prometheus'))
    .withVariable(new DatasourceVariableBuilder('logs').label('Logs').type('loki'))
    // Per-replica drill-down; a deployment without a namespace label matches `.*` as well.
    .withVariable(labelVariable('namespace', 'Namespace', ''))
    .withVariable(labelVariable('job', 'Job', '{namespace=~"$namespace"}'))
    .withVariable(labelVariable('instance', 'Instance', '{namespace=~"$namespace",job=~"$job"}'));
}

function series(title: string, unit: string, ...targets: ReturnType<typeof prom>[]) {
  const panel = new TimeSeries().title(title).unit(unit).datasource(PROMETHEUS).height(8).span(12);
  for (const t of targets) panel.withTarget(t);
  return panel;
}

function logs(title: string, expr: string) {
  return new LogsPanel().title(title).datasource(LOKI).withTarget(logql(expr)).height(10).span(24).wrapLogMessage(true).enableLogDetails(true);
}

function errorTracking() {
  resetRefIds();
  return dashboard('cc-error-tracking', 'CommandCenter / Error tracking', 'Errors of the api and the worker, grouped by endpoint, class and fingerprint.')
    .withVariable(new TextBoxVariableBuilder('request_id').label('Request id').description('Every log line of one request, api and worker'))
    .withRow(new RowBuilder('Errors'))
    .withPanel(series('Error rate (5xx per second)', 'reqps', prom(`sum(rate(commandcenter_errors_total{${API},status_code=~"5.."}[$__rate_interval]))`, 'errors/s')))
    .withPanel(series('Errors by endpoint', 'reqps', prom(`sum by (endpoint, status_code) (rate(commandcenter_errors_total{${SCOPE}}[$__rate_interval]))`, '{{endpoint}} {{status_code}}')))
    .withPanel(series('Errors by type', 'reqps', prom(`sum by (error_type) (rate(commandcenter_errors_total{${SCOPE}}[$__rate_interval]))`, '{{error_type}}')))
    .withPanel(series('Failed jobs by type (per minute)', 'short', prom(`sum by (queue, error_type) (rate(bull_jobs_failed_total{${SCOPE}}[$__rate_interval])) * 60`, '{{queue}} {{error_type}}')))
    .withRow(new RowBuilder('Fingerprints and stacks'))
    .withPanel(
      new TablePanel()
        .title('Top error fingerprints')
        .datasource(LOKI)
        .withTarget(logql(`topk(10, sum by (error_fingerprint, service) (count_over_time({${APPS}} | json | error_fingerprint != "" [$__range])))`).instant(true))
        .height(8)
        .span(24),
    )
    .withPanel(logs('Recent errors, with stack', `{${APPS}, level=~"error|fatal"} | json`))
    .withPanel(logs('Every line of request $request_id', `{${APPS}} | json | request_id = "$request_id"`));
}

function databasePerformance() {
  resetRefIds();
  return dashboard('cc-database', 'CommandCenter / Database performance', 'PostgreSQL as postgres_exporter sees it, and the apps\' pools and queries.')
    .withRow(new RowBuilder('Connections'))
    .withPanel(
      series(
        'Connections vs limit',
        'short',
        prom('sum by (instance) (pg_stat_database_numbackends)', 'in use'),
        prom('max by (instance) (pg_settings_max_connections) - max by (instance) (pg_settings_superuser_reserved_connections)', 'limit for ordinary roles'),
      ),
    )
    .withPanel(series('App pool by state', 'short', prom(`sum by (job, state) (db_pool_connections{${SCOPE}})`, '{{job}} {{state}}')))
    .withRow(new RowBuilder('Queries'))
    .withPanel(
      series(
        'Query duration by operation (p50, p95, p99)',
        's',
        ...quantiles([0.5, 0.95, 0.99], `db_query_duration_seconds_bucket{${SCOPE}}`, ['operation'], '{{operation}}'),
      ),
    )
    .withPanel(series('Query errors by SQLSTATE (per minute)', 'short', prom(`sum by (operation, sqlstate) (rate(db_query_errors_total{${SCOPE}}[$__rate_interval])) * 60`, '{{operation}} {{sqlstate}}', { mayBeEmpty: true })))
    .withPanel(series('Top statements by total time', 's', prom('topk(10, sum by (queryid) (rate(pg_stat_statements_seconds_total[$__rate_interval])))', '{{queryid}}')))
    .withPanel(series('Top statements by calls', 'short', prom('topk(10, sum by (queryid) (rate(pg_stat_statements_calls_total[$__rate_interval])))', '{{queryid}}')))
    .withPanel(logs('Slow queries', `{${APPS}} | json | msg = "slow query"`))
    .withRow(new RowBuilder('Tables'))
    .withPanel(series('Table sizes', 'bytes', prom('topk(10, max by (datname, relname) (pg_stat_user_tables_size_bytes))', '{{datname}}.{{relname}}')))
    .withPanel(
      series(
        'Sequential vs index scans',
        'ops',
        prom('sum(rate(pg_stat_user_tables_seq_scan[$__rate_interval]))', 'sequential'),
        prom('sum(rate(pg_stat_user_tables_idx_scan[$__rate_interval]))', 'index'),
      ),
    );
}

function queueDeepDive() {
  resetRefIds();
  const byJob = ['queue', 'job_name'];
  return dashboard('cc-queue', 'CommandCenter / Queue deep-dive', 'Bull queues: throughput, durations, failures, depth and workers.')
    .withRow(new RowBuilder('Throughput'))
    .withPanel(
      series(
        'Jobs per minute by job',
        'short',
        prom(`sum by (${byJob.join(', ')}) (rate(bull_jobs_completed_total{${SCOPE}}[$__rate_interval])) * 60`, 'completed {{queue}} {{job_name}}'),
        prom(`sum by (${byJob.join(', ')}) (rate(bull_jobs_failed_total{${SCOPE}}[$__rate_interval])) * 60`, 'failed {{queue}} {{job_name}}'),
      ),
    )
    .withPanel(
      series(
        'Failure ratio',
        'percentunit',
        prom(
          `sum by (queue) (rate(bull_jobs_failed_total{${SCOPE}}[$__rate_interval])) / sum by (queue) (rate({__name__=~"bull_jobs_(completed|failed)_total",${SCOPE}}[$__rate_interval]))`,
          '{{queue}}',
        ),
      ),
    )
    .withRow(new RowBuilder('Durations'))
    .withPanel(
      series(
        'Job duration (p50, p95)',
        's',
        ...quantiles([0.5, 0.95], `bull_job_duration_seconds_bucket{${SCOPE}}`, byJob, '{{job_name}}', { exemplars: true }),
      ),
    )
    .withPanel(
      series(
        'Wait before start (p50, p95)',
        's',
        ...quantiles([0.5, 0.95], `bull_job_wait_seconds_bucket{${SCOPE}}`, byJob, '{{job_name}}'),
      ),
    )
    .withRow(new RowBuilder('Depth'))
    .withPanel(series('Jobs by state', 'short', prom('max by (queue, state) (bull_queue_jobs{namespace=~"$namespace"})', '{{queue}} {{state}}')))
    .withPanel(series('Workers', 'short', prom('max by (queue) (bull_queue_workers{namespace=~"$namespace"})', '{{queue}}')))
    .withPanel(series('Stalled jobs (per minute)', 'short', prom(`sum by (queue) (rate(bull_jobs_stalled_total{${SCOPE}}[$__rate_interval])) * 60`, '{{queue}}', { mayBeEmpty: true })));
}

function goldenSignals() {
  resetRefIds();
  return dashboard('cc-golden-signals', 'CommandCenter / Golden signals', 'Latency, traffic, errors and saturation of the api and the worker.')
    .withRow(new RowBuilder('Latency'))
    .withPanel(
      series(
        'API latency (p50, p95, p99), exemplars link to the request\'s logs',
        's',
        ...quantiles([0.5, 0.95, 0.99], `http_request_duration_seconds_bucket{${API}}`, [], '', { exemplars: true }),
      ),
    )
    .withPanel(series('p95 by route', 's', prom(`histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket{${API}}[$__rate_interval])))`, '{{route}}')))
    .withRow(new RowBuilder('Traffic and errors'))
    .withPanel(series('Traffic by route', 'reqps', prom(`sum by (route, method) (rate(http_requests_total{${API}}[$__rate_interval]))`, '{{method}} {{route}}')))
    .withPanel(
      series(
        'Error ratio (5xx)',
        'percentunit',
        prom(`sum(rate(http_requests_total{${API},status_code=~"5.."}[$__rate_interval])) / sum(rate(http_requests_total{${API}}[$__rate_interval]))`, '5xx ratio'),
      ),
    )
    .withRow(new RowBuilder('Saturation'))
    .withPanel(series('CPU (cores used, per instance)', 'short', prom(`sum by (job, instance) (rate(process_cpu_seconds_total{job=~"api|worker",${SCOPE}}[$__rate_interval]))`, '{{job}} {{instance}}')))
    .withPanel(series('Memory (resident, per instance)', 'bytes', prom(`sum by (job, instance) (process_resident_memory_bytes{job=~"api|worker",${SCOPE}})`, '{{job}} {{instance}}')))
    .withPanel(series('Event-loop lag (p99, per instance)', 's', prom(`max by (job, instance) (nodejs_eventloop_lag_p99_seconds{job=~"api|worker",${SCOPE}})`, '{{job}} {{instance}}')))
    .withPanel(
      series(
        'In flight and waiting',
        'short',
        prom(`sum(http_requests_in_flight{${API}})`, 'requests in flight'),
        prom(`sum by (job) (db_pool_connections{state="waiting",${SCOPE}})`, 'pool waiting {{job}}'),
      ),
    );
}

function slo() {
  resetRefIds();
  const stat = (title: string, expr: string, unit: string) =>
    new StatPanel().title(title).datasource(PROMETHEUS).unit(unit).withTarget(prom(expr, title, { instant: true })).height(5).span(6);
  return dashboard('cc-slo', 'CommandCenter / SLO', 'API availability (99.9%) and latency (99% within 1 s) over 30 days.')
    .withRow(new RowBuilder('Objectives'))
    .withPanel(stat('Availability, 30 days', '1 - slo:sli_error:ratio_rate30d{slo="api-availability"}', 'percentunit'))
    .withPanel(stat('Availability budget left', '1 - slo:sli_error:ratio_rate30d{slo="api-availability"} / on (slo) slo:error_budget:ratio{slo="api-availability"}', 'percentunit'))
    .withPanel(stat('Latency SLI, 30 days', '1 - slo:sli_error:ratio_rate30d{slo="api-latency"}', 'percentunit'))
    .withPanel(stat('Latency budget left', '1 - slo:sli_error:ratio_rate30d{slo="api-latency"} / on (slo) slo:error_budget:ratio{slo="api-latency"}', 'percentunit'))
    .withRow(new RowBuilder('Burn rates'))
    .withPanel(
      series(
        'Availability burn rate (1 = budget spent exactly in 30 days)',
        'short',
        prom('slo:sli_error:ratio_rate5m{slo="api-availability"} / on (slo) slo:error_budget:ratio', '5m'),
        prom('slo:sli_error:ratio_rate1h{slo="api-availability"} / on (slo) slo:error_budget:ratio', '1h'),
        prom('slo:sli_error:ratio_rate6h{slo="api-availability"} / on (slo) slo:error_budget:ratio', '6h'),
      ),
    )
    .withPanel(
      series(
        'Latency burn rate',
        'short',
        prom('slo:sli_error:ratio_rate5m{slo="api-latency"} / on (slo) slo:error_budget:ratio', '5m'),
        prom('slo:sli_error:ratio_rate1h{slo="api-latency"} / on (slo) slo:error_budget:ratio', '1h'),
        prom('slo:sli_error:ratio_rate6h{slo="api-latency"} / on (slo) slo:error_budget:ratio', '6h'),
      ),
    )
    .withPanel(series('SLIs (error ratios)', 'percentunit', prom('slo:sli_error:ratio_rate1h', '{{slo}} 1h'), prom('slo:sli_error:ratio_rate3d', '{{slo}} 3d')));
}

/** Every dashboard, by file name, as Grafana's file provider loads them. */
export function buildDashboards(): Record<string, unknown> {
  return Object.fromEntries(
    [errorTracking(), databasePerformance(), queueDeepDive(), goldenSignals(), slo()].map((builder) => {
      const built = withStablePanelIds(builder.build());
      return [`${built.uid}.json`, built];
    }),
  );
}
