import { ClsServiceManager, type ClsStore } from 'nestjs-cls';
import type { InternalErrors } from '../core/internal-errors.js';
import { contextStore, currentCorrelation } from '../correlation/correlation-context.js';
import { generateRequestId } from '../correlation/request-id.js';
import type { TraceContext } from '../correlation/traceparent.js';
import type { OpenTelemetryBridge } from '../opentelemetry/active-span.js';
import { traceparentOf } from '../opentelemetry/active-span.js';
import { createJobContext, JOB_CONTEXT_OPTION, jobFields, restoreJobContext } from './job-context.js';

export interface JobPropagationDeps {
  serviceName: string;
  internal: InternalErrors;
  /** The route template of the current HTTP request, when there is one. */
  currentRoute: () => string | undefined;
  /** With an OpenTelemetry SDK: a job continues the span that enqueued it. */
  openTelemetry?: OpenTelemetryBridge;
}

/** What both queue libraries' jobs have in common, as far as the context goes. */
export interface PropagatedJob {
  id?: string | number;
  name?: string;
  attemptsMade?: number;
  opts?: Record<string, unknown> & { repeat?: unknown };
}

/**
 * The context's way through a queue, the same for Bull and BullMQ: stamped into a job's options when it is added,
 * restored around its processor. Each step is guarded: a fault is counted, the job is added and processed anyway.
 */
export class JobPropagation {
  constructor(private readonly deps: JobPropagationDeps) {}

  /** Options with the current context added; the same object when there is nothing to add. */
  stamp(opts: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
    try {
      // A repeatable job is the template of many future jobs: they must not all claim today's request.
      if (opts?.repeat) return opts;
      const correlation = currentCorrelation();
      if (!correlation) return opts;
      // Inside a span, the job's parent is that span, not the incoming header's.
      const span = this.deps.openTelemetry?.activeSpan();
      const trace = span ? { traceparent: traceparentOf(span), tracestate: correlation.tracestate } : correlation;
      const context = createJobContext(correlation.requestId, trace, this.deps.serviceName, this.deps.currentRoute());
      return { ...opts, [JOB_CONTEXT_OPTION]: context };
    } catch (error) {
      this.deps.internal.record('queue', error);
      return opts;
    }
  }

  /** Runs `processor` in a fresh CLS context holding the job's restored context (or a fresh id). */
  run<T>(queue: { name: string }, job: PropagatedJob | undefined, processor: () => T): T {
    let store: ClsStore;
    let parent: TraceContext | undefined;
    try {
      const restored = !job || job.opts?.repeat ? undefined : restoreJobContext(job);
      // Built in one piece and entered with runWith (as a request's store is): no empty store, then a lookup per key.
      store = contextStore(restored?.requestId ?? generateRequestId(), 'job', undefined, restored?.trace, jobFields(queue, job, (job?.attemptsMade ?? 0) + 1));
      parent = restored?.trace;
    } catch (error) {
      this.deps.internal.record('queue', error);
      store = contextStore(generateRequestId(), 'job');
    }
    const otel = this.deps.openTelemetry;
    // The processor's spans continue the trace of the span that enqueued the job (its parent, remote), unless a
    // span is already active: a consumer span that continued it already (bullmq-otel's), which stays the parent.
    return ClsServiceManager.getClsService().runWith(store, () =>
      otel && parent && !otel.activeSpan() ? otel.runWithParent(parent, processor) : processor(),
    );
  }
}
