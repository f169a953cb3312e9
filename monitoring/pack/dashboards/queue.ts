import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { type DashboardContext, series } from './layout.ts';
import { prom, quantiles, rate, SCOPE } from './queries.ts';

/** Bull and BullMQ queues, whichever service processes them: throughput, durations, failures, depth and workers. */
export function queueDeepDive(ctx: DashboardContext) {
  const byJob = 'queue, job_name';
  return ctx
    .dashboard('queue', 'Queue deep-dive', 'Bull and BullMQ queues: throughput, durations, failures, depth and workers.')
    .withRow(new RowBuilder('Throughput'))
    .withPanel(
      series(
        'Jobs per minute by job',
        'short',
        prom(`sum by (${byJob}) (${rate(`bull_jobs_completed_total{${SCOPE}}`)}) * 60`, 'completed {{queue}} {{job_name}}'),
        prom(`sum by (${byJob}) (${rate(`bull_jobs_failed_total{${SCOPE}}`)}) * 60`, 'failed {{queue}} {{job_name}}'),
      ),
    )
    .withPanel(
      series(
        'Failure ratio',
        'percentunit',
        prom(`sum by (queue) (${rate(`bull_jobs_failed_total{${SCOPE}}`)}) / sum by (queue) (${rate(`{__name__=~"bull_jobs_(completed|failed)_total",${SCOPE}}`)})`, '{{queue}}'),
      ),
    )
    .withRow(new RowBuilder('Durations'))
    .withPanel(series('Job duration (p50, p95)', 's', ...quantiles([0.5, 0.95], rate(`bull_job_duration_seconds_bucket{${SCOPE}}`), ['queue', 'job_name'], '{{job_name}}', { exemplars: true })))
    .withPanel(series('Wait before start (p50, p95)', 's', ...quantiles([0.5, 0.95], rate(`bull_job_wait_seconds_bucket{${SCOPE}}`), ['queue', 'job_name'], '{{job_name}}')))
    .withRow(new RowBuilder('Depth'))
    // One replica reads the sizes, and which one changes: max, never sum, and no job or instance filter.
    .withPanel(series('Jobs by state', 'short', prom('max by (queue, state) (bull_queue_jobs{namespace=~"$namespace"})', '{{queue}} {{state}}')))
    .withPanel(series('Workers', 'short', prom('max by (queue) (bull_queue_workers{namespace=~"$namespace"})', '{{queue}}')))
    .withPanel(series('Stalled jobs (per minute)', 'short', prom(`sum by (queue) (${rate(`bull_jobs_stalled_total{${SCOPE}}`)}) * 60`, '{{queue}}', { mayBeEmpty: true })));
}
