import type { Logger } from 'pino';
import type { InternalErrors } from '../core/internal-errors.js';
import { errorFingerprint, errorType } from '../errors/fingerprint.js';
import { writeInfoLine } from '../logging/fixed-line.js';
import type { BullJobLike, BullQueueLike } from './bull-types.js';
import { JOB_CONTEXT_OPTION, jobFields, readJobContext } from './job-context.js';
import type { QueueMetrics } from './queue-metrics.js';

/**
 * Bull's job events, for the queues this process adds to or processes: `job completed`, `job failed, will retry` /
 * `job failed for good` and `job stalled` lines under the job's request id, the job counters and histograms, and
 * Redis errors as log lines (at most one per queue per 10 s).
 */
export class BullJobEvents {
  private readonly watched = new WeakSet<BullQueueLike>();
  private readonly errorsHeard = new WeakSet<BullQueueLike>();
  private readonly lastErrorLog = new Map<string, number>();

  constructor(
    private readonly logger: Logger,
    private readonly internal: InternalErrors,
    private readonly metrics?: QueueMetrics,
  ) {}

  /** Without an 'error' listener Bull prints every failed reconnect to the console; these go to the log instead. */
  listenForErrors(queue: BullQueueLike): void {
    if (this.errorsHeard.has(queue)) return;
    this.errorsHeard.add(queue);
    queue.on('error', (error: unknown) => this.internal.guard('queue', () => this.onQueueError(queue, error)));
  }

  /** Completed, failed and stalled jobs of a queue this process processes. */
  watch(queue: BullQueueLike): void {
    if (this.watched.has(queue)) return;
    this.watched.add(queue);
    queue.on('completed', (job: BullJobLike) => this.internal.guard('queue', () => this.onCompleted(queue, job)));
    queue.on('failed', (job: BullJobLike, error: unknown) => this.internal.guard('queue', () => this.onFailed(queue, job, error)));
    queue.on('stalled', (job: BullJobLike) => this.internal.guard('queue', () => this.onStalled(queue, job)));
    this.listenForErrors(queue);
  }

  private onCompleted(queue: BullQueueLike, job: BullJobLike): void {
    const fields = jobFields(queue, job, job.attemptsMade + 1);
    const requestId = readJobContext(job.opts?.[JOB_CONTEXT_OPTION])?.requestId;
    const timing = timingOf(queue, job, requestId);
    this.metrics?.jobCompleted(timing);
    const line = { request_id: requestId, ...fields, duration_ms: msOf(timing.durationSeconds), wait_ms: msOf(timing.waitSeconds) };
    // Flat fields, none secret: written straight to the destination, as pino would write them (docs/performance.md).
    if (!writeInfoLine(this.logger, line, 'job completed')) this.logger.info(line, 'job completed');
  }

  private onFailed(queue: BullQueueLike, job: BullJobLike, error: unknown): void {
    // Bull has counted the attempt and decided by now: finishedOn is set only when the job failed for good.
    const final = Boolean(job.finishedOn);
    const requestId = readJobContext(job.opts?.[JOB_CONTEXT_OPTION])?.requestId;
    const timing = timingOf(queue, job, requestId);
    const type = errorType(error);
    if (final) this.metrics?.jobFailed(timing, type);
    this.logger.error(
      {
        err: error instanceof Error ? error : { type, message: String(error) },
        error_fingerprint: errorFingerprint(error),
        request_id: requestId,
        ...jobFields(queue, job, job.attemptsMade),
        attempts: job.opts?.attempts ?? 1,
        will_retry: !final,
      },
      final ? 'job failed for good' : 'job failed, will retry',
    );
  }

  private onStalled(queue: BullQueueLike, job: BullJobLike): void {
    this.metrics?.jobStalled(queue.name, job.name);
    const requestId = readJobContext(job.opts?.[JOB_CONTEXT_OPTION])?.requestId;
    this.logger.warn({ request_id: requestId, ...jobFields(queue, job, job.attemptsMade + 1) }, 'job stalled');
  }

  /** Redis trouble repeats every reconnect attempt: one line per queue per 10 s is enough to see it. */
  private onQueueError(queue: BullQueueLike, error: unknown): void {
    const now = Date.now();
    if (now - (this.lastErrorLog.get(queue.name) ?? 0) < 10_000) return;
    this.lastErrorLog.set(queue.name, now);
    this.logger.error({ err: error, queue: queue.name }, 'queue error');
  }
}

function timingOf(queue: BullQueueLike, job: BullJobLike, requestId: string | undefined) {
  const due = job.timestamp + (job.delay ?? Number(job.opts?.delay ?? 0));
  return {
    queue: queue.name,
    jobName: job.name,
    requestId,
    durationSeconds: job.processedOn && job.finishedOn ? Math.max(0, job.finishedOn - job.processedOn) / 1000 : undefined,
    waitSeconds: job.processedOn && due ? Math.max(0, job.processedOn - due) / 1000 : undefined,
  };
}

function msOf(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : Math.round(seconds * 1000);
}
