import { randomUUID } from 'node:crypto';
import { Gauge, type Registry } from 'prom-client';
import { getOrCreateMetric } from '../core/metric-factory.js';
import { withTimeout } from '../core/with-timeout.js';
import { SizeReaderLease } from './size-reader-lease.js';

/** Job states of `bull_queue_jobs`, as getJobCounts() names them: Bull's six, and BullMQ's prioritized and waiting-children. */
export const QUEUE_STATES = ['waiting', 'prioritized', 'waiting-children', 'active', 'delayed', 'failed', 'completed', 'paused'] as const;

/** Who reads queue sizes from Redis at scrape time (see QueueOptions.sizes). */
export type QueueSizesMode = 'one-replica' | 'each-replica' | 'off';

/** What Bull's and BullMQ's Queue both have for reading sizes. */
export interface SizedQueue {
  name: string;
  getJobCounts(): Promise<Record<string, number>>;
  getWorkers(): Promise<unknown[]>;
  /** `<prefix>:<name>:<type>`: the key of one of the queue's structures. */
  toKey(type: string): string;
  /** Bull: the command connection. */
  client?: unknown;
  /** BullMQ 6: the backend, whose `client` is a promise of the command connection. */
  getBackend?(): { client?: unknown };
}

export interface QueueSizesSettings {
  mode: QueueSizesMode;
  /** Longest wait for Redis per reading; a slower answer leaves the queue out of this scrape. */
  timeoutMs: number;
  /** How long a reader keeps the lease without renewing it (one-replica). */
  leaseMs: number;
}

/**
 * `bull_queue_jobs` and `bull_queue_workers`, read from Redis at scrape time for the queues this process knows.
 * Every replica knows the same queues, so by default only one of them, the holder of a lease in Redis, reads and
 * reports them: ten replicas cost one reading and ten lease checks per scrape round, not ten readings.
 */
export class QueueSizes {
  private readonly queues = new Map<string, SizedQueue>();
  /** Queue objects already looked at: track() runs on every add(), so a known queue costs one lookup. */
  private readonly known = new WeakSet<object>();
  private readonly lease: SizeReaderLease;
  private readonly timed: <T>(p: Promise<T>) => Promise<T>;
  /** One scrape reads Redis once per queue for both gauges: the lease is asked once and remembered for the scrape. */
  private pending?: Promise<SizedQueue[]>;

  constructor(
    registry: Registry,
    private readonly settings: QueueSizesSettings,
  ) {
    this.lease = new SizeReaderLease(randomUUID(), settings.leaseMs);
    const late = `queue reading took longer than ${settings.timeoutMs} ms`;
    const timed = (this.timed = <T>(promise: Promise<T>) => withTimeout(promise, settings.timeoutMs, late));
    if (settings.mode === 'off') return;
    const readable = () => this.readableQueues();
    getOrCreateMetric(registry, Gauge, {
      name: 'bull_queue_jobs',
      help: 'Jobs in each state, read from Redis at scrape time by the replica(s) queue.sizes names; absent for a queue whose Redis did not answer in time.',
      labelNames: ['queue', 'state'],
      async collect(this: Gauge<'queue' | 'state'>) {
        this.reset();
        await Promise.all(
          (await readable()).map(async (queue) => {
            try {
              const counts = await timed(queue.getJobCounts());
              for (const state of QUEUE_STATES) if (state in counts) this.set({ queue: queue.name, state }, Number(counts[state]) || 0);
            } catch {
              // Redis did not answer in time: this queue is left out of this scrape (not a fault of ours).
            }
          }),
        );
      },
    });
    getOrCreateMetric(registry, Gauge, {
      name: 'bull_queue_workers',
      help: 'Workers connected to each queue (from Redis CLIENT LIST) at scrape time, read by the same replica as bull_queue_jobs.',
      labelNames: ['queue'],
      async collect(this: Gauge<'queue'>) {
        this.reset();
        await Promise.all(
          (await readable()).map(async (queue) => {
            try {
              this.set({ queue: queue.name }, (await timed(queue.getWorkers())).length);
            } catch {
              // As above: left out of this scrape.
            }
          }),
        );
      },
    });
  }

  /** A queue of either library this process adds to, processes or has in DI; one per Redis key space. Never throws. */
  track(queue: SizedQueue): void {
    if (this.known.has(queue)) return;
    this.known.add(queue);
    try {
      const key = queue.toKey('');
      if (!this.queues.has(key)) this.queues.set(key, queue);
    } catch {
      // Not a queue whose keys can be named: nothing to read for it.
    }
  }

  /** Gives up the leases this process holds, so another replica reads at its next scrape. */
  async release(): Promise<void> {
    await this.lease.release(this.timed);
  }

  private readableQueues(): Promise<SizedQueue[]> {
    if (this.settings.mode === 'each-replica') return Promise.resolve([...this.queues.values()]);
    if (!this.pending) {
      this.pending = this.lease.held([...this.queues.values()], this.timed);
      // Both gauges' collect() run in the same scrape; the next scrape asks again.
      const clear = () => setImmediate(() => (this.pending = undefined));
      this.pending.then(clear, clear);
    }
    return this.pending;
  }
}
