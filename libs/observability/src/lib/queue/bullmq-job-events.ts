import type { InternalErrors } from '../core/internal-errors.js';
import type { EndedJob, JobEvents } from './job-events.js';

/** What the listener needs of a BullMQ Worker (structural: BullMQ is an optional peer). */
export interface BullMqWorkerLike {
  name: string;
  on(event: string, listener: (...args: any[]) => void): unknown;
}

/** BullMQ's Job.fromId, to name a stalled job: the 'stalled' event gives only its id. */
export type FetchJob = (worker: BullMqWorkerLike, jobId: string) => Promise<(EndedJob & { attemptsMade?: number }) | undefined>;

type BullMqJob = EndedJob & { attemptsMade: number };

/**
 * A BullMQ Worker's job events, handed to JobEvents. BullMQ emits them on the Worker, in the process that ran the
 * job (QueueEvents would hear every process's, from a Redis stream, once per listener: each replica would count
 * every job). It counts the attempt before 'completed' and 'failed' alike, and sets finishedOn only on a job that
 * is done for good.
 */
export class BullMqJobEvents {
  private readonly watched = new WeakSet<BullMqWorkerLike>();

  constructor(
    readonly events: JobEvents,
    private readonly internal: InternalErrors,
    private readonly fetchJob?: FetchJob,
  ) {}

  watch(worker: BullMqWorkerLike): void {
    if (this.watched.has(worker)) return;
    this.watched.add(worker);
    const { events, internal } = this;
    worker.on('completed', (job: BullMqJob) => internal.guard('queue', () => events.completed(worker.name, job, job.attemptsMade)));
    // BullMQ types 'failed' with an optional job (none when it could not even load one): nothing to report then.
    worker.on('failed', (job: BullMqJob | undefined, error: unknown) =>
      internal.guard('queue', () => job && events.failed(worker.name, job, error, job.attemptsMade, Boolean(job.finishedOn))),
    );
    worker.on('stalled', (jobId: string) => void this.onStalled(worker, jobId));
    events.listenForErrors(worker);
  }

  private async onStalled(worker: BullMqWorkerLike, jobId: string): Promise<void> {
    let job: (EndedJob & { attemptsMade?: number }) | undefined;
    try {
      job = await this.fetchJob?.(worker, jobId);
    } catch (error) {
      this.internal.record('queue', error);
    }
    this.internal.guard('queue', () => this.events.stalled(worker.name, job ?? { id: jobId }, (job?.attemptsMade ?? 0) + 1));
  }
}
