import { DashboardBuilder, DatasourceVariableBuilder, QueryVariableBuilder, VariableRefresh } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as LogsPanel } from '@grafana/grafana-foundation-sdk/logs';
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import { DEFAULT_DASHBOARDS, DEFAULT_METRIC_PREFIX, type PackConfig, type ServiceConfig } from '../config.ts';
import { LOKI, logql, PROMETHEUS, prom, rate, resetRefIds, SCOPE, union } from './queries.ts';

/** What every dashboard reads of the pack's configuration. */
export class DashboardContext {
  readonly apis: ServiceConfig[];
  readonly workers: ServiceConfig[];
  readonly title: string;
  readonly uidPrefix: string;
  readonly config: PackConfig;

  constructor(config: PackConfig) {
    this.config = config;
    this.apis = config.services.filter((s) => s.kind === 'api');
    this.workers = config.services.filter((s) => s.kind === 'worker');
    ({ title: this.title, uidPrefix: this.uidPrefix } = { ...DEFAULT_DASHBOARDS, ...config.dashboards });
  }

  /** Selectors of the api services, of every service. */
  get apiSelectors(): string[] {
    return this.apis.map((s) => s.selector);
  }

  get appSelectors(): string[] {
    return this.config.services.map((s) => s.selector);
  }

  /** `{service=~"a|b"}`: the services' log streams (Alloy makes the log line's `service` field a stream label). */
  get logStreams(): string {
    return `service=~"${this.config.services.map((s) => s.name).join('|')}"`;
  }

  /** The rate of `<prefix>_errors_total` of `services` (each counts under its own prefix), narrowed by `extra` matchers. */
  errorRates(services: ServiceConfig[], extra = ''): string {
    return union(services.map((s) => rate(`${s.metricPrefix ?? DEFAULT_METRIC_PREFIX}_errors_total{${s.selector},${SCOPE}${extra}}`)));
  }

  dashboard(slug: string, title: string, description: string) {
    resetRefIds();
    return new DashboardBuilder(`${this.title} / ${title}`)
      .uid(`${this.uidPrefix}-${slug}`)
      .description(description)
      .tags([this.title.toLowerCase().replace(/[^a-z0-9]+/g, '-'), 'generated'])
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
}

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

export function series(title: string, unit: string, ...targets: ReturnType<typeof prom>[]) {
  const panel = new TimeSeries().title(title).unit(unit).datasource(PROMETHEUS).height(8).span(12);
  for (const t of targets) panel.withTarget(t);
  return panel;
}

export function logs(title: string, expr: string) {
  return new LogsPanel().title(title).datasource(LOKI).withTarget(logql(expr)).height(10).span(24).wrapLogMessage(true).enableLogDetails(true);
}
