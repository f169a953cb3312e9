import type { BullMqJobEvents, BullMqWorkerLike } from './bullmq-job-events.js';
import type { QueueKeyLayout } from './cluster-prefix.js';
import type { ErrorEmitter } from './job-events.js';
import { JobPropagation, type JobPropagationDeps, type PropagatedJob } from './job-propagation.js';
import { isInstanceOf, type QueueLibraryInstrumentation } from './queue-library.js';
import type { QueueSizes, SizedQueue } from './queue-sizes.js';

/** What the instrumentation needs of BullMQ (structural types: the package is an optional peer). */
type BullMqQueueLike = SizedQueue & ErrorEmitter & { opts?: { prefix?: string; connection?: { isCluster?: boolean } } };
interface BullMqQueuePrototype {
  add(this: BullMqQueueLike, name: string, data: unknown, opts?: Record<string, unknown>): Promise<unknown>;
  addBulk(this: BullMqQueueLike, jobs: Array<{ name: string; data: unknown; opts?: Record<string, unknown> }>): Promise<unknown>;
}
/** A node of a flow: a job and the jobs it waits for. */
interface FlowNode {
  opts?: Record<string, unknown>;
  children?: FlowNode[];
}
interface BullMqFlowProducerPrototype {
  add(this: unknown, flow: FlowNode, opts?: unknown): Promise<unknown>;
  addBulk(this: unknown, flows: FlowNode[]): Promise<unknown>;
}
interface BullMqWorkerPrototype {
  run(this: BullMqWorkerLike): Promise<unknown>;
  callProcessJob(this: BullMqWorkerLike, job: PropagatedJob, token: string, signal?: unknown): Promise<unknown>;
}
export interface BullMqClasses {
  Queue: (abstract new (...args: any[]) => unknown) & { prototype: BullMqQueuePrototype };
  Worker: { prototype: BullMqWorkerPrototype };
  FlowProducer?: { prototype: BullMqFlowProducerPrototype };
  Job?: { fromId(queue: unknown, jobId: string): Promise<any> };
}

interface Dependencies extends JobPropagationDeps {
  /** Job lines and metrics for the workers of this process. */
  events: BullMqJobEvents;
  /** Queue sizes at scrape time, for the queues this process touches (with metrics on). */
  sizes?: QueueSizes;
}

const ORIGINALS = Symbol.for('observability:bullmq-originals');
type Patched<P> = P & { [ORIGINALS]?: P };
/** The instrumentation the patched methods report to: the most recently installed one (one app per process). */
let active: BullMqInstrumentation | undefined;

/**
 * BullMQ's part, as Bull's: the options of every job added with `Queue.add`/`addBulk` or in a `FlowProducer` flow
 * get the context, and `Worker.callProcessJob` (the one call every processor goes through, a function or a
 * `WorkerHost`) runs it restored. A Worker's events are watched from its `run()`. Wrapping rather than BullMQ's
 * `telemetry` option: that slot takes one implementation, and a team's bullmq-otel keeps it. A sandboxed
 * processor (a file) runs in a child process or thread: its context is not restored.
 */
export class BullMqInstrumentation implements QueueLibraryInstrumentation {
  private readonly propagation: JobPropagation;

  constructor(
    private readonly classes: BullMqClasses,
    private readonly deps: Dependencies,
  ) {
    this.propagation = new JobPropagation(deps);
  }

  install(): void {
    const queue = this.classes.Queue.prototype as Patched<BullMqQueuePrototype>;
    if (!queue[ORIGINALS]) {
      const originals = { add: queue.add, addBulk: queue.addBulk };
      queue[ORIGINALS] = originals;
      queue.add = function add(name, data, opts) {
        active?.seen(this);
        return originals.add.call(this, name, data, active ? active.propagation.stamp(opts) : opts);
      };
      queue.addBulk = function addBulk(jobs) {
        active?.seen(this);
        return originals.addBulk.call(this, active && Array.isArray(jobs) ? jobs.map((job) => ({ ...job, opts: active!.propagation.stamp(job.opts) })) : jobs);
      };
    }
    const flows = this.classes.FlowProducer?.prototype as Patched<BullMqFlowProducerPrototype> | undefined;
    if (flows && !flows[ORIGINALS]) {
      const originals = { add: flows.add, addBulk: flows.addBulk };
      flows[ORIGINALS] = originals;
      flows.add = function add(flow, opts) {
        return originals.add.call(this, active ? active.stampFlow(flow) : flow, opts);
      };
      flows.addBulk = function addBulk(nodes) {
        return originals.addBulk.call(this, active && Array.isArray(nodes) ? nodes.map((node) => active!.stampFlow(node)) : nodes);
      };
    }
    const worker = this.classes.Worker.prototype as Patched<BullMqWorkerPrototype>;
    if (!worker[ORIGINALS]) {
      const originals = { run: worker.run, callProcessJob: worker.callProcessJob };
      worker[ORIGINALS] = originals;
      // run() starts every worker (autorun calls it from the constructor); callProcessJob catches one started earlier.
      worker.run = function run() {
        active?.watch(this);
        return originals.run.call(this);
      };
      worker.callProcessJob = function callProcessJob(job, token, signal) {
        if (!active) return originals.callProcessJob.call(this, job, token, signal);
        active.watch(this);
        return active.propagation.run(this, job, () => originals.callProcessJob.call(this, job, token, signal));
      };
    }
    active = this;
  }

  isQueue(value: unknown): boolean {
    return isInstanceOf(value, this.classes.Queue);
  }

  keyLayout(queue: unknown): QueueKeyLayout {
    const q = queue as BullMqQueueLike;
    return { library: 'BullMQ', name: q.name, prefix: q.opts?.prefix, isCluster: Boolean(q.opts?.connection?.isCluster) };
  }

  track(queue: unknown): void {
    if (!this.isQueue(queue)) return;
    this.seen(queue as BullMqQueueLike);
    this.deps.internal.guard('queue', () => this.deps.events.events.listenForErrors(queue as BullMqQueueLike));
  }

  /** Every add() passes here: QueueSizes.track is one lookup for a known queue, and never throws. */
  private seen(queue: BullMqQueueLike): void {
    this.deps.sizes?.track(queue);
  }

  private watch(worker: BullMqWorkerLike): void {
    this.deps.internal.guard('queue', () => this.deps.events.watch(worker));
  }

  /** Every job of a flow, the parent and all its children, carries the context. */
  private stampFlow(node: FlowNode): FlowNode {
    if (!node || typeof node !== 'object') return node;
    const children = Array.isArray(node.children) ? node.children.map((child) => this.stampFlow(child)) : node.children;
    return { ...node, opts: this.propagation.stamp(node.opts), ...(children ? { children } : {}) };
  }

  uninstall(): void {
    if (active !== this) return;
    active = undefined;
    const { Queue, Worker, FlowProducer } = this.classes;
    for (const proto of [Queue.prototype, Worker.prototype, FlowProducer?.prototype] as Array<Patched<object> | undefined>) {
      if (!proto) continue;
      const originals = proto[ORIGINALS];
      if (!originals) continue;
      Object.assign(proto, originals);
      delete proto[ORIGINALS];
    }
  }
}
