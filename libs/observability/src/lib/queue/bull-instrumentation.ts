import type { BullJobEvents } from './bull-job-events.js';
import type { BullJobLike, BullQueueClass, BullQueueLike, BullQueuePrototype } from './bull-types.js';
import type { QueueKeyLayout } from './cluster-prefix.js';
import { JobPropagation, type JobPropagationDeps } from './job-propagation.js';
import { isInstanceOf, type QueueLibraryInstrumentation } from './queue-library.js';
import type { QueueSizes } from './queue-sizes.js';

interface Dependencies extends JobPropagationDeps {
  /** Job lines and metrics for the queues this process processes. */
  events: BullJobEvents;
  /** Queue sizes at scrape time, for the queues this process touches (with metrics on). */
  sizes?: QueueSizes;
}

const ORIGINALS = Symbol.for('observability:bull-originals');
/** The instrumentation the patched methods report to: the most recently installed one (one app per process). */
let active: BullInstrumentation | undefined;

type Patched = BullQueuePrototype & { [ORIGINALS]?: Pick<BullQueuePrototype, 'add' | 'addBulk' | 'setHandler'> };

/**
 * Carries the correlation context from `queue.add()` into the processor, for every queue of Bull's class, so no
 * caller has to remember a helper. Bull's prototype is patched once: `add`/`addBulk` stamp the context into the
 * job's options, `setHandler` (which every `process()`, and so every `@Process` method, goes through) wraps the
 * processor to restore it. The queues it sees are handed to BullJobEvents for job lines and metrics.
 */
export class BullInstrumentation implements QueueLibraryInstrumentation {
  private readonly propagation: JobPropagation;

  constructor(
    private readonly Queue: BullQueueClass,
    private readonly deps: Dependencies,
  ) {
    this.propagation = new JobPropagation(deps);
  }

  install(): void {
    const proto = this.Queue.prototype as Patched;
    if (!proto[ORIGINALS]) {
      const originals = { add: proto.add, addBulk: proto.addBulk, setHandler: proto.setHandler };
      proto[ORIGINALS] = originals;
      proto.add = function add(this: BullQueueLike, ...args: unknown[]) {
        return originals.add.apply(this, active ? active.stampAdd(this, args) : args);
      };
      proto.addBulk = function addBulk(this: BullQueueLike, jobs) {
        return originals.addBulk.call(this, active ? active.stampBulk(this, jobs) : jobs);
      };
      proto.setHandler = function setHandler(this: BullQueueLike, name: string, handler: unknown) {
        return originals.setHandler.call(this, name, active ? active.wrapHandler(this, handler) : handler);
      };
    }
    active = this;
  }

  uninstall(): void {
    if (active !== this) return;
    active = undefined;
    const proto = this.Queue.prototype as Patched;
    const originals = proto[ORIGINALS];
    if (!originals) return;
    Object.assign(proto, originals);
    delete proto[ORIGINALS];
  }

  /** Queues known from DI (registered with BullModule) are read at scrape time even before their first job. */
  track(queue: unknown): void {
    if (!this.isQueue(queue)) return;
    this.seen(queue as BullQueueLike);
    this.deps.events.events.listenForErrors(queue as BullQueueLike);
  }

  isQueue(value: unknown): boolean {
    return isInstanceOf(value, this.Queue);
  }

  keyLayout(queue: unknown): QueueKeyLayout {
    const q = queue as BullQueueLike & { keyPrefix?: string; client?: { isCluster?: boolean } };
    return { library: 'Bull', name: q.name, prefix: q.keyPrefix, isCluster: Boolean(q.client?.isCluster) };
  }

  /** Every add() passes here: QueueSizes.track is one lookup for a known queue, and never throws. */
  private seen(queue: BullQueueLike): void {
    this.deps.sizes?.track(queue);
  }

  /** add(data), add(data, opts), add(name, data), add(name, data, opts) */
  stampAdd(queue: BullQueueLike, args: unknown[]): unknown[] {
    this.seen(queue);
    try {
      const optsIndex = typeof args[0] === 'string' ? 2 : 1;
      const opts = this.propagation.stamp(args[optsIndex] as Record<string, unknown> | undefined);
      if (opts === args[optsIndex]) return args;
      const stamped = [...args];
      while (stamped.length < optsIndex) stamped.push(undefined);
      stamped[optsIndex] = opts;
      return stamped;
    } catch (error) {
      this.deps.internal.record('queue', error);
      return args;
    }
  }

  stampBulk<J extends { opts?: Record<string, unknown> }>(queue: BullQueueLike, jobs: J[]): J[] {
    this.seen(queue);
    try {
      return Array.isArray(jobs) ? jobs.map((job) => ({ ...job, opts: this.propagation.stamp(job.opts) })) : jobs;
    } catch (error) {
      this.deps.internal.record('queue', error);
      return jobs;
    }
  }

  wrapHandler(queue: BullQueueLike, handler: unknown): unknown {
    this.seen(queue);
    this.deps.events.watch(queue);
    if (typeof handler !== 'function') return handler; // sandboxed processors run in child processes: not covered
    const instrumentation = this;
    const wrapped = function (this: unknown, ...args: unknown[]) {
      return instrumentation.propagation.run(queue, args[0] as BullJobLike, () => handler.apply(this, args));
    };
    // Bull picks callback style or promise style from the handler's arity.
    Object.defineProperty(wrapped, 'length', { value: handler.length });
    return wrapped;
  }
}
