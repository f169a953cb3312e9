import { RowBuilder, TextBoxVariableBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { type DashboardContext, logs, series } from './layout.ts';
import { LOKI, logql, prom, rate, SCOPE } from './queries.ts';

/** Errors of every service, by endpoint, class and fingerprint, and every line of one request. */
export function errorTracking(ctx: DashboardContext) {
  const all = ctx.config.services;
  const apis = ctx.apis.length ? ctx.apis : all;
  const streams = ctx.logStreams;
  return ctx
    .dashboard('error-tracking', 'Error tracking', 'Errors of the services, grouped by endpoint, class and fingerprint.')
    .withVariable(new TextBoxVariableBuilder('request_id').label('Request id').description('Every log line of one request, across the services'))
    .withRow(new RowBuilder('Errors'))
    .withPanel(series('Error rate (5xx per second)', 'reqps', prom(`sum(${ctx.errorRates(apis, ',status_code=~"5.."')})`, 'errors/s')))
    .withPanel(series('Errors by endpoint', 'reqps', prom(`sum by (endpoint, status_code) (${ctx.errorRates(all)})`, '{{endpoint}} {{status_code}}')))
    .withPanel(series('Errors by type', 'reqps', prom(`sum by (error_type) (${ctx.errorRates(all)})`, '{{error_type}}')))
    .withPanel(series('Failed jobs by type (per minute)', 'short', prom(`sum by (queue, error_type) (${rate(`bull_jobs_failed_total{${SCOPE}}`)}) * 60`, '{{queue}} {{error_type}}')))
    .withRow(new RowBuilder('Fingerprints and stacks'))
    .withPanel(
      new TablePanel()
        .title('Top error fingerprints')
        .datasource(LOKI)
        .withTarget(logql(`topk(10, sum by (error_fingerprint, service) (count_over_time({${streams}} | json | error_fingerprint != "" [$__range])))`).instant(true))
        .height(8)
        .span(24),
    )
    .withPanel(logs('Recent errors, with stack', `{${streams}, level=~"error|fatal"} | json`))
    .withPanel(logs('Every line of request $request_id', `{${streams}} | json | request_id = "$request_id"`));
}
