import type { OnModuleDestroy } from '@nestjs/common';
import { JobPropagation, type JobPropagationDeps, type PropagatedJob } from './job-propagation.js';

/** What the instrumentation needs of BullMQ (a structural type: the package is an optional peer). */
interface BullMqQueueLike {
  name: string;
}
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
  callProcessJob(this: BullMqQueueLike, job: PropagatedJob, token: string, signal?: unknown): Promise<unknown>;
}
export interface BullMqClasses {
  Queue: { prototype: BullMqQueuePrototype };
  Worker: { prototype: BullMqWorkerPrototype };
  FlowProducer?: { prototype: BullMqFlowProducerPrototype };
}

const ORIGINALS = Symbol.for('observability:bullmq-originals');
type Patched<P> = P & { [ORIGINALS]?: P };
/** The instrumentation the patched methods report to: the most recently installed one (one app per process). */
let active: BullMqInstrumentation | undefined;

/**
 * Carries the context from `queue.add()` / `addBulk()` and `FlowProducer` flows into BullMQ's processors, as for
 * Bull: the options of every job get the context, and `Worker.callProcessJob` (the one call every processor goes
 * through, a function or a `WorkerHost`) runs it restored. Wrapping rather than BullMQ's `telemetry` option: that
 * slot takes one implementation, and a team's bullmq-otel keeps it. A sandboxed processor (a file) runs in a child
 * process: not covered.
 */
export class BullMqInstrumentation implements OnModuleDestroy {
  private readonly propagation: JobPropagation;

  constructor(
    private readonly classes: BullMqClasses,
    deps: JobPropagationDeps,
  ) {
    this.propagation = new JobPropagation(deps);
  }

  install(): void {
    const queue = this.classes.Queue.prototype as Patched<BullMqQueuePrototype>;
    if (!queue[ORIGINALS]) {
      const originals = { add: queue.add, addBulk: queue.addBulk };
      queue[ORIGINALS] = originals;
      queue.add = function add(name, data, opts) {
        return originals.add.call(this, name, data, active ? active.propagation.stamp(opts) : opts);
      };
      queue.addBulk = function addBulk(jobs) {
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
      const originals = { callProcessJob: worker.callProcessJob };
      worker[ORIGINALS] = originals;
      worker.callProcessJob = function callProcessJob(job, token, signal) {
        if (!active) return originals.callProcessJob.call(this, job, token, signal);
        return active.propagation.run(this, job, () => originals.callProcessJob.call(this, job, token, signal));
      };
    }
    active = this;
  }

  /** Every job of a flow, the parent and all its children, carries the context. */
  private stampFlow(node: FlowNode): FlowNode {
    if (!node || typeof node !== 'object') return node;
    const children = Array.isArray(node.children) ? node.children.map((child) => this.stampFlow(child)) : node.children;
    return { ...node, opts: this.propagation.stamp(node.opts), ...(children ? { children } : {}) };
  }

  onModuleDestroy(): void {
    this.uninstall();
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

/** BullMQ is an optional peer: absent, the BullMQ part stays off. */
export async function loadBullMq(importBullMq: () => Promise<unknown> = () => import('bullmq')): Promise<BullMqClasses | undefined> {
  try {
    const module = (await importBullMq()) as Partial<BullMqClasses> & { default?: Partial<BullMqClasses> };
    const classes = module.Queue ? module : module.default;
    return classes?.Queue && classes.Worker ? (classes as BullMqClasses) : undefined;
  } catch {
    return undefined;
  }
}
