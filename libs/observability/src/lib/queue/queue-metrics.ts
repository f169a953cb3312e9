import { Counter, Histogram, type Registry } from 'prom-client';
import { type Bound, BoundCounter, BoundGroup, BoundHistogram } from '../core/bound-series.js';
import { exemplarLabels } from '../core/exemplars.js';
import { getOrCreateMetric } from '../core/metric-factory.js';

type JobLabel = 'queue' | 'job_name';
const JOB_LABELS: readonly JobLabel[] = ['queue', 'job_name'];

/** Buckets in seconds from 10 ms to 10 minutes: jobs are slower than requests and wait behind each other. */
export const DEFAULT_JOB_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

export interface JobTiming {
  queue: string;
  jobName: string;
  durationSeconds?: number;
  waitSeconds?: number;
  requestId?: string;
}

/**
 * The job metrics (docs/architecture.md, "Metric names"), the same names for Bull and BullMQ: counters and histograms
 * follow the job events of this process. The queue sizes are QueueSizes'.
 */
export class QueueMetrics {
  private readonly completed: BoundCounter;
  private readonly failed: Counter<JobLabel | 'error_type'>;
  private readonly stalled: Counter<JobLabel>;
  private readonly duration: BoundHistogram;
  private readonly wait: BoundHistogram;
  /** A job's completed counter, duration and wait series, found in one walk. */
  private readonly series: BoundGroup;

  constructor(registry: Registry) {
    const completed = getOrCreateMetric<Counter<JobLabel>>(registry, Counter, {
      name: 'bull_jobs_completed_total',
      help: 'Jobs this process completed, by queue and job name.',
      labelNames: JOB_LABELS,
    });
    this.completed = new BoundCounter(completed, JOB_LABELS);
    this.failed = getOrCreateMetric<Counter<JobLabel | 'error_type'>>(registry, Counter, {
      name: 'bull_jobs_failed_total',
      help: 'Jobs this process failed for good (all attempts used), by queue, job name and error class.',
      labelNames: ['queue', 'job_name', 'error_type'],
      enableExemplars: true,
    });
    this.stalled = getOrCreateMetric<Counter<JobLabel>>(registry, Counter, {
      name: 'bull_jobs_stalled_total',
      help: 'Jobs found stalled (their worker stopped renewing the lock), by queue and job name.',
      labelNames: ['queue', 'job_name'],
    });
    const duration = getOrCreateMetric<Histogram<JobLabel>>(registry, Histogram, {
      name: 'bull_job_duration_seconds',
      help: 'Processing time of the last attempt of a job (processedOn to finishedOn), in seconds.',
      labelNames: ['queue', 'job_name'],
      buckets: DEFAULT_JOB_BUCKETS,
      enableExemplars: true,
    });
    const wait = getOrCreateMetric<Histogram<JobLabel>>(registry, Histogram, {
      name: 'bull_job_wait_seconds',
      help: 'Time from when a job was due (added, plus its delay) to when its last attempt started, in seconds.',
      labelNames: JOB_LABELS,
      buckets: DEFAULT_JOB_BUCKETS,
    });
    this.duration = new BoundHistogram(duration, JOB_LABELS);
    this.wait = new BoundHistogram(wait, JOB_LABELS);
    this.series = new BoundGroup([this.completed, this.duration, this.wait]);
  }

  jobCompleted(t: JobTiming): void {
    const found = this.series.find(t.queue, t.jobName);
    this.completed.incAt(found?.[0], t.queue, t.jobName);
    this.observeTiming(t, found);
  }

  jobFailed(t: JobTiming, errorType: string): void {
    const labels = { queue: t.queue, job_name: t.jobName };
    this.failed.inc({ labels: { ...labels, error_type: errorType }, value: 1, exemplarLabels: exemplarLabels(t.requestId) });
    this.observeTiming(t, this.series.find(t.queue, t.jobName));
  }

  jobStalled(queue: string, jobName: string): void {
    this.stalled.inc({ queue, job_name: jobName });
  }

  /** `found`: the group's label sets of the job's queue and name (undefined past their cap). */
  private observeTiming(t: JobTiming, found: readonly Bound[] | undefined): void {
    if (t.durationSeconds !== undefined) this.duration.observeAt(found?.[1], t.durationSeconds, exemplarLabels(t.requestId), t.queue, t.jobName);
    if (t.waitSeconds !== undefined) this.wait.observeAt(found?.[2], t.waitSeconds, undefined, t.queue, t.jobName);
  }
}
