import { CLS_ID, ClsServiceManager } from 'nestjs-cls';
import type { Logger } from 'pino';
import { CONTEXT_SOURCE_KEY, currentCorrelation, LOG_FIELDS_KEY, TRACE_CONTEXT_KEY } from '../correlation/correlation-context.js';
import { generateRequestId } from '../correlation/request-id.js';
import { errorFingerprint, errorType } from '../errors/fingerprint.js';
import type { InternalErrors } from '../core/internal-errors.js';
import type { BullJobLike, BullQueueClass, BullQueueLike, BullQueuePrototype } from './bull-types.js';
import { createJobContext, JOB_CONTEXT_OPTION, readJobContext } from './job-context.js';
import { writeInfoLine } from '../logging/fixed-line.js';
import type { QueueMetrics } from './queue-metrics.js';

export interface JobFields {
  job_id: string;
  queue: string;
  job_name: string;
  attempt: number;
}

interface Dependencies {
  serviceName: string;
  logger: Logger;
  internal: InternalErrors;
  metrics?: QueueMetrics;
  /** The route template of the current HTTP request, when there is one. */
  currentRoute: () => string | undefined;
}

const ORIGINALS = Symbol.for('observability:bull-originals');
/** The instrumentation the patched methods report to: the most recently installed one (one app per process). */
let active: BullInstrumentation | undefined;

type Patched = BullQueuePrototype & { [ORIGINALS]?: Pick<BullQueuePrototype, 'add' | 'addBulk' | 'setHandler'> };

/**
 * Carries the correlation context from `queue.add()` into the processor, for every queue of Bull's class, so no
 * caller has to remember a helper. Bull's prototype is patched once: `add`/`addBulk` stamp the context into the
 * job's options, `setHandler` (which every `process()`, and so every `@Process` method, goes through) wraps the
 * processor to restore it. Events of processed queues feed the metrics and the job log lines.
 */
export class BullInstrumentation {
  readonly queues = new Set<BullQueueLike>();
  private readonly watched = new WeakSet<BullQueueLike>();
  private readonly errorsHeard = new WeakSet<BullQueueLike>();
  private readonly lastErrorLog = new Map<string, number>();

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
    this.listenForErrors(queue as unknown as BullQueueLike);
  }

  /** Some providers throw on any inspection outside a request (nestjs-cls proxy providers): not queues. */
  private isQueue(value: unknown): boolean {
    try {
      return value instanceof this.Queue;
    } catch {
      return false;
    }
  }

  /** Without an 'error' listener Bull prints every failed reconnect to the console; these go to the log instead. */
  private listenForErrors(queue: BullQueueLike): void {
    if (this.errorsHeard.has(queue)) return;
    this.errorsHeard.add(queue);
    queue.on('error', (error: unknown) => this.deps.internal.guard('queue', () => this.onQueueError(queue, error)));
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
    const context = createJobContext(correlation.requestId, correlation.traceparent, this.deps.serviceName, this.deps.currentRoute());
    return { ...opts, [JOB_CONTEXT_OPTION]: context };
  }

  wrapHandler(queue: BullQueueLike, handler: unknown): unknown {
    this.queues.add(queue);
    this.watch(queue);
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
      try {
        const restored = job?.opts?.repeat ? undefined : readJobContext(job?.opts?.[JOB_CONTEXT_OPTION]);
        cls.set(CLS_ID, restored?.requestId ?? generateRequestId());
        cls.set(CONTEXT_SOURCE_KEY, 'job');
        if (restored?.trace) cls.set(TRACE_CONTEXT_KEY, restored.trace);
        cls.set(LOG_FIELDS_KEY, jobFields(queue, job, (job?.attemptsMade ?? 0) + 1));
      } catch (error) {
        this.deps.internal.record('queue', error);
      }
      return processor();
    });
  }

  private watch(queue: BullQueueLike): void {
    if (this.watched.has(queue)) return;
    this.watched.add(queue);
    queue.on('completed', (job: BullJobLike) => this.deps.internal.guard('queue', () => this.onCompleted(queue, job)));
    queue.on('failed', (job: BullJobLike, error: unknown) => this.deps.internal.guard('queue', () => this.onFailed(queue, job, error)));
    queue.on('stalled', (job: BullJobLike) => this.deps.internal.guard('queue', () => this.onStalled(queue, job)));
    this.listenForErrors(queue);
  }

  private onCompleted(queue: BullQueueLike, job: BullJobLike): void {
    const fields = jobFields(queue, job, job.attemptsMade + 1);
    const requestId = readJobContext(job.opts?.[JOB_CONTEXT_OPTION])?.requestId;
    const timing = timingOf(queue, job, requestId);
    this.deps.metrics?.jobCompleted(timing);
    const line = { request_id: requestId, ...fields, duration_ms: msOf(timing.durationSeconds), wait_ms: msOf(timing.waitSeconds) };
    // Flat fields, none secret: written straight to the destination, as pino would write them (docs/performance.md).
    if (!writeInfoLine(this.deps.logger, line, 'job completed')) this.deps.logger.info(line, 'job completed');
  }

  private onFailed(queue: BullQueueLike, job: BullJobLike, error: unknown): void {
    // Bull has counted the attempt and decided by now: finishedOn is set only when the job failed for good.
    const final = Boolean(job.finishedOn);
    const requestId = readJobContext(job.opts?.[JOB_CONTEXT_OPTION])?.requestId;
    const timing = timingOf(queue, job, requestId);
    const type = errorType(error);
    if (final) this.deps.metrics?.jobFailed(timing, type);
    this.deps.logger.error(
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
    this.deps.metrics?.jobStalled(queue.name, job.name);
    const requestId = readJobContext(job.opts?.[JOB_CONTEXT_OPTION])?.requestId;
    this.deps.logger.warn({ request_id: requestId, ...jobFields(queue, job, job.attemptsMade + 1) }, 'job stalled');
  }

  /** Redis trouble repeats every reconnect attempt: one line per queue per 10 s is enough to see it. */
  private onQueueError(queue: BullQueueLike, error: unknown): void {
    const now = Date.now();
    if (now - (this.lastErrorLog.get(queue.name) ?? 0) < 10_000) return;
    this.lastErrorLog.set(queue.name, now);
    this.deps.logger.error({ err: error, queue: queue.name }, 'queue error');
  }
}

function jobFields(queue: BullQueueLike, job: BullJobLike, attempt: number): JobFields {
  return { job_id: String(job?.id), queue: queue.name, job_name: job?.name, attempt };
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
