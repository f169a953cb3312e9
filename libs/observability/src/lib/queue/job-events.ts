import type { Logger } from 'pino';
import type { InternalErrors } from '../core/internal-errors.js';
import { errorFingerprint, errorType } from '../errors/fingerprint.js';
import { type JobLine, writeJobLine } from '../logging/fixed-line.js';
import { jobFields, restoredRequestId } from './job-context.js';
import type { JobTiming, QueueMetrics } from './queue-metrics.js';

/** What Bull's and BullMQ's jobs both hold once an attempt has ended. */
export interface EndedJob {
  id?: string | number;
  name?: string;
  opts?: Record<string, unknown> & { attempts?: number; delay?: number };
  timestamp?: number;
  delay?: number;
  processedOn?: number | null;
  finishedOn?: number | null;
}

/** Something that emits a queue library's 'error' events (a Bull queue, a BullMQ queue or worker). */
export interface ErrorEmitter {
  name: string;
  on(event: 'error', listener: (error: unknown) => void): unknown;
}

/**
 * The job event lines and metrics, the same for both queue libraries (each library's listener says which attempt
 * ended and whether it was the last): `job completed`, `job failed, will retry` / `job failed for good` and
 * `job stalled` under the job's request id, and Redis errors as log lines (at most one per queue per 10 s).
 */
export class JobEvents {
  private readonly errorsHeard = new WeakSet<object>();
  private readonly lastErrorLog = new Map<string, number>();

  constructor(
    private readonly logger: Logger,
    private readonly internal: InternalErrors,
    private readonly metrics?: QueueMetrics,
  ) {}

  /** Without an 'error' listener the libraries print every failed reconnect to the console; these go to the log. */
  listenForErrors(emitter: ErrorEmitter): void {
    if (this.errorsHeard.has(emitter)) return;
    this.errorsHeard.add(emitter);
    emitter.on('error', (error: unknown) => this.internal.guard('queue', () => this.queueError(emitter.name, error)));
  }

  completed(queue: string, job: EndedJob, attempt: number): void {
    const requestId = restoredRequestId(job);
    const timing = timingOf(queue, job, requestId);
    this.metrics?.jobCompleted(timing);
    // jobFields' fields written out, not spread in: the spread was part of what the line's template removed
    // (docs/performance-log.md, "Twenty-second look").
    const line: JobLine = {
      request_id: requestId,
      job_id: String(job.id),
      queue,
      job_name: job.name ?? '',
      attempt,
      duration_ms: msOf(timing.durationSeconds),
      wait_ms: msOf(timing.waitSeconds),
    };
    // Flat fields, none secret: written straight to the destination, as pino would write them (docs/performance.md).
    if (!writeJobLine(this.logger, line)) this.logger.info(line, 'job completed');
  }

  /** `final`: the library has used up the job's attempts (or was told not to retry). */
  failed(queue: string, job: EndedJob, error: unknown, attempt: number, final: boolean): void {
    const requestId = restoredRequestId(job);
    const type = errorType(error);
    if (final) this.metrics?.jobFailed(timingOf(queue, job, requestId), type);
    this.logger.error(
      {
        err: error instanceof Error ? error : { type, message: String(error) },
        error_fingerprint: errorFingerprint(error),
        request_id: requestId,
        ...jobFields({ name: queue }, job, attempt),
        attempts: job.opts?.attempts ?? 1,
        will_retry: !final,
      },
      final ? 'job failed for good' : 'job failed, will retry',
    );
  }

  stalled(queue: string, job: EndedJob, attempt: number): void {
    this.metrics?.jobStalled(queue, job.name ?? '');
    this.logger.warn({ request_id: restoredRequestId(job), ...jobFields({ name: queue }, job, attempt) }, 'job stalled');
  }

  /** Redis trouble repeats every reconnect attempt: one line per queue per 10 s is enough to see it. */
  private queueError(queue: string, error: unknown): void {
    const now = Date.now();
    if (now - (this.lastErrorLog.get(queue) ?? 0) < 10_000) return;
    this.lastErrorLog.set(queue, now);
    this.logger.error({ err: error, queue }, 'queue error');
  }
}

function timingOf(queue: string, job: EndedJob, requestId: string | undefined): JobTiming {
  // BullMQ zeroes a job's delay once it runs; the delay it was added with stays in its options.
  const due = (job.timestamp ?? 0) + Math.max(Number(job.delay) || 0, Number(job.opts?.delay) || 0);
  return {
    queue,
    jobName: job.name ?? '',
    requestId,
    durationSeconds: job.processedOn && job.finishedOn ? Math.max(0, job.finishedOn - job.processedOn) / 1000 : undefined,
    waitSeconds: job.processedOn && due ? Math.max(0, job.processedOn - due) / 1000 : undefined,
  };
}

function msOf(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : Math.round(seconds * 1000);
}
