import type { PackConfig, ServiceConfig } from '../config.ts';
import { Promql } from '../promql.ts';
import type { AlertRule, RuleFile } from '../rule-file.ts';
import { targetAlerts } from './targets.ts';

/** Queue alerts, per queue whichever app reports it, and a target-down alert per worker service. */
export function queueRules(config: PackConfig, workers: ServiceConfig[]): RuleFile {
  const q = new Promql(config.aggregation);
  const service = config.queueService ?? workers[0]?.name ?? 'worker';
  // One replica reads the sizes (queue.sizes), and which one can change: max, never sum.
  const waiting = q.max(`sum without (state) (bull_queue_jobs{state=~"waiting|prioritized"})`, 'queue');
  const finished = (w: string) => q.sum(`increase({__name__=~"bull_jobs_(completed|failed)_total"}[${w}])`, 'queue');
  const rules: AlertRule[] = [
    {
      alert: 'QueueBacklogGrowing',
      expr: `${waiting} > 100
and delta(${waiting}[15m:1m]) > 0`,
      for: '10m',
      severity: 'warning',
      service,
      summary: 'Queue {{ $labels.queue }} has {{ $value }} waiting jobs and keeps growing',
      description: 'More jobs arrive than the workers finish. The Queue deep-dive dashboard shows throughput, durations and workers.',
    },
    {
      alert: 'QueueNotProgressing',
      comment: 'Jobs wait, yet nothing finished (completed or failed) in 10 minutes.',
      expr: `min_over_time(${waiting}[10m:1m]) > 0
unless ${q.on('queue')}
${finished('10m')} > 0`,
      for: '5m',
      severity: 'critical',
      service,
      summary: 'Queue {{ $labels.queue }} has waiting jobs and no progress',
      description:
        'Jobs are waiting and no job of the queue has finished (completed or failed) in the last 10 minutes. Workers are down, stuck or cannot reach Redis.',
    },
    {
      alert: 'QueueStalledJobs',
      comment: 'Any stall in 15 minutes; `for` skips a single evaluation that saw a counter appear.',
      expr: `${q.sum('increase(bull_jobs_stalled_total[15m])', 'queue')} > 0`,
      for: '1m',
      severity: 'warning',
      service,
      summary: 'Jobs of queue {{ $labels.queue }} stalled',
      description:
        'A worker stopped renewing a job\'s lock (crashed, blocked its event loop, or was killed mid-job). Stalled jobs run again, possibly twice.',
    },
    {
      alert: 'QueueFailureRatioHigh',
      expr: `(
  ${q.sum('rate(bull_jobs_failed_total[15m])', 'queue')}
    / ${q.on('queue')}
  ${q.sum('rate({__name__=~"bull_jobs_(completed|failed)_total"}[15m])', 'queue')}
) > 0.1
and ${q.on('queue')}
${finished('15m')} >= 10`,
      for: '10m',
      severity: 'warning',
      service,
      summary: '{{ $value | humanizePercentage }} of the jobs of queue {{ $labels.queue }} fail for good',
      description:
        'More than 10% of finished jobs used up all their attempts in the last 15 minutes. The Error tracking dashboard groups the failures by fingerprint.',
    },
    ...workers.flatMap((w) =>
      targetAlerts(q, w, { allDown: 'WorkerDown', someDown: 'WorkerReplicasDown', what: 'worker', impact: 'Jobs queue up unprocessed.' }),
    ),
  ];
  return {
    file: 'queue.rules.yml',
    header: [
      'bull_queue_jobs is read from Redis by one replica of the apps that know the queue (queue.sizes: one-replica), and',
      'by each of them with queue.sizes: each-replica; the reader changes hands: max by (queue), never sum.',
      'Waiting jobs are state="waiting" and, for BullMQ\'s jobs with a priority, state="prioritized".',
      'Finished jobs are counted with one selector over both counters, so a queue with only failures, or only',
      'completions, still has a total (adding two sums would drop it).',
    ],
    groups: [{ name: 'queue', rules }],
  };
}
