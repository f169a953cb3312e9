import type { InternalErrors } from '../core/internal-errors.js';
import type { BullJobLike, BullQueueLike } from './bull-types.js';
import type { JobEvents } from './job-events.js';

/** Bull's job events, for the queues this process processes, handed to JobEvents with Bull's attempt counting. */
export class BullJobEvents {
  private readonly watched = new WeakSet<BullQueueLike>();

  constructor(
    readonly events: JobEvents,
    private readonly internal: InternalErrors,
  ) {}

  /** Completed, failed and stalled jobs of a queue this process processes. */
  watch(queue: BullQueueLike): void {
    if (this.watched.has(queue)) return;
    this.watched.add(queue);
    const { events, internal } = this;
    // Bull counts a failed attempt before 'failed' and a completed one not at all; it sets finishedOn only on a
    // job that failed for good.
    queue.on('completed', (job: BullJobLike) => internal.guard('queue', () => events.completed(queue.name, job, job.attemptsMade + 1)));
    queue.on('failed', (job: BullJobLike, error: unknown) =>
      internal.guard('queue', () => events.failed(queue.name, job, error, job.attemptsMade, Boolean(job.finishedOn))),
    );
    queue.on('stalled', (job: BullJobLike) => internal.guard('queue', () => events.stalled(queue.name, job, job.attemptsMade + 1)));
    events.listenForErrors(queue);
  }
}
