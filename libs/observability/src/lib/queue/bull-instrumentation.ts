import { CLS_ID, ClsServiceManager } from 'nestjs-cls';
import type { InternalErrors } from '../core/internal-errors.js';
import { CONTEXT_SOURCE_KEY, currentCorrelation, LOG_FIELDS_KEY, TRACE_CONTEXT_KEY } from '../correlation/correlation-context.js';
import { generateRequestId } from '../correlation/request-id.js';
import type { TraceContext } from '../correlation/traceparent.js';
import type { OpenTelemetryBridge } from '../opentelemetry/active-span.js';
import { traceparentOf } from '../opentelemetry/active-span.js';
import type { BullJobEvents } from './bull-job-events.js';
import type { BullJobLike, BullQueueClass, BullQueueLike, BullQueuePrototype } from './bull-types.js';
import { createJobContext, JOB_CONTEXT_OPTION, jobFields, readJobContext } from './job-context.js';

interface Dependencies {
  serviceName: string;
  internal: InternalErrors;
  /** Job lines and metrics for the queues this process touches. */
  events: BullJobEvents;
  /** The route template of the current HTTP request, when there is one. */
  currentRoute: () => string | undefined;
  /** With an OpenTelemetry SDK: a job continues the span that enqueued it. */
  openTelemetry?: OpenTelemetryBridge;
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
export class BullInstrumentation {
  readonly queues = new Set<BullQueueLike>();

  constructor(
    private readonly Queue: BullQueueClass,
    private readonly deps: Dependencies,
  ) {}

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
    this.queues.add(queue as unknown as BullQueueLike);
    this.deps.events.listenForErrors(queue as unknown as BullQueueLike);
  }

  /** Some providers throw on any inspection outside a request (nestjs-cls proxy providers): not queues. */
  isQueue(value: unknown): boolean {
    try {
      return value instanceof this.Queue;
    } catch {
      return false;
    }
  }

  /** add(data), add(data, opts), add(name, data), add(name, data, opts) */
  stampAdd(queue: BullQueueLike, args: unknown[]): unknown[] {
    this.queues.add(queue);
    try {
      const optsIndex = typeof args[0] === 'string' ? 2 : 1;
      const opts = this.stamp(args[optsIndex] as Record<string, unknown> | undefined);
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
    this.queues.add(queue);
    try {
      return Array.isArray(jobs) ? jobs.map((job) => ({ ...job, opts: this.stamp(job.opts) })) : jobs;
    } catch (error) {
      this.deps.internal.record('queue', error);
      return jobs;
    }
  }

  /** Options with the current context added; the same object when there is nothing to add. */
  private stamp(opts: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
    // A repeatable job is the template of many future jobs: they must not all claim today's request.
    if (opts?.repeat) return opts;
    const correlation = currentCorrelation();
    if (!correlation) return opts;
    // Inside a span, the job's parent is that span, not the incoming header's.
    const span = this.deps.openTelemetry?.activeSpan();
    const trace = span ? { traceparent: traceparentOf(span), tracestate: correlation.tracestate } : correlation;
    const context = createJobContext(correlation.requestId, trace, this.deps.serviceName, this.deps.currentRoute());
    return { ...opts, [JOB_CONTEXT_OPTION]: context };
  }

  wrapHandler(queue: BullQueueLike, handler: unknown): unknown {
    this.queues.add(queue);
    this.deps.events.watch(queue);
    if (typeof handler !== 'function') return handler; // sandboxed processors run in child processes: not covered
    const instrumentation = this;
    const wrapped = function (this: unknown, ...args: unknown[]) {
      return instrumentation.runInJobContext(queue, args[0] as BullJobLike, () => handler.apply(this, args));
    };
    // Bull picks callback style or promise style from the handler's arity.
    Object.defineProperty(wrapped, 'length', { value: handler.length });
    return wrapped;
  }

  private runInJobContext<T>(queue: BullQueueLike, job: BullJobLike, processor: () => T): T {
    const cls = ClsServiceManager.getClsService();
    return cls.run({ ifNested: 'override' }, () => {
      let parent: TraceContext | undefined;
      try {
        const restored = job?.opts?.repeat ? undefined : readJobContext(job?.opts?.[JOB_CONTEXT_OPTION]);
        cls.set(CLS_ID, restored?.requestId ?? generateRequestId());
        cls.set(CONTEXT_SOURCE_KEY, 'job');
        if (restored?.trace) cls.set(TRACE_CONTEXT_KEY, restored.trace);
        cls.set(LOG_FIELDS_KEY, jobFields(queue, job, (job?.attemptsMade ?? 0) + 1));
        parent = restored?.trace;
      } catch (error) {
        this.deps.internal.record('queue', error);
      }
      const otel = this.deps.openTelemetry;
      // The processor's spans continue the trace of the span that enqueued the job (its parent, remote).
      return otel && parent ? otel.runWithParent(parent, processor) : processor();
    });
  }


}
