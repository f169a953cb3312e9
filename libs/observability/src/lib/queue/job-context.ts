import { isValidRequestId } from '../correlation/request-id.js';
import { parseTraceparent, type TraceContext } from '../correlation/traceparent.js';
import { parseTracestate } from '../correlation/tracestate.js';

/**
 * The reserved job option that carries the producer's context. It lives in the job's options, never in its data,
 * so it cannot collide with what the application puts in a job; Bull stores options with the job, so retries and
 * delayed jobs keep it.
 */
export const JOB_CONTEXT_OPTION = 'observabilityContext';

/**
 * What travels with a job, as stored in Redis (a documented contract: `service` and `route` say where a job came from
 * to whoever inspects the queue; the worker reads back only the id and the trace context).
 */
export interface JobContext {
  v: 1;
  request_id: string;
  traceparent?: string;
  tracestate?: string;
  service?: string;
  route?: string;
}

export interface RestoredJobContext {
  requestId: string;
  trace?: TraceContext;
}

export function createJobContext(
  requestId: string,
  trace: { traceparent?: string; tracestate?: string },
  service: string,
  route: string | undefined,
): JobContext {
  const context: JobContext = { v: 1, request_id: requestId, service };
  if (trace.traceparent) context.traceparent = trace.traceparent;
  if (trace.traceparent && trace.tracestate) context.tracestate = trace.tracestate;
  if (route) context.route = route;
  return context;
}

/**
 * Reads a job's context back, trusting nothing: Redis is shared, and anyone who can write to it can write a job.
 * An invalid request id means no context (the job runs under a fresh id); an invalid traceparent is dropped, and its tracestate with it; invalid tracestate members are dropped.
 */
export function readJobContext(value: unknown): RestoredJobContext | undefined {
  const requestId = jobRequestId(value);
  if (requestId === undefined) return undefined;
  const raw = value as Record<string, unknown>;
  const restored: RestoredJobContext = { requestId };
  const trace = parseTraceparent(typeof raw.traceparent === 'string' ? raw.traceparent : undefined);
  if (trace) {
    const tracestate = parseTracestate(typeof raw.tracestate === 'string' ? raw.tracestate : undefined);
    if (tracestate) trace.tracestate = tracestate;
    restored.trace = trace;
  }
  return restored;
}

/** The request id of a job's context, if valid: what its event lines name (its trace context is not read). */
export function jobRequestId(value: unknown): string | undefined {
  const id = value !== null && typeof value === 'object' ? (value as Record<string, unknown>).request_id : undefined;
  return isValidRequestId(id) ? id : undefined;
}

/** Jobs whose context this process restored, with its checked id: their event lines need not check it again. */
const restoredIds = new WeakMap<object, string>();

/** Reads a job's context back (readJobContext), and keeps its id for the job's event lines (restoredRequestId). */
export function restoreJobContext(job: { opts?: Record<string, unknown> }): RestoredJobContext | undefined {
  const restored = readJobContext(job.opts?.[JOB_CONTEXT_OPTION]);
  if (restored) restoredIds.set(job, restored.requestId);
  return restored;
}

/** The request id a job's event line names: the one restored around its processor, else its context's, checked. */
export function restoredRequestId(job: { opts?: Record<string, unknown> }): string | undefined {
  return restoredIds.get(job) ?? jobRequestId(job.opts?.[JOB_CONTEXT_OPTION]);
}

/** The fields every log line of a job carries (and the job event lines too). */
export interface JobFields {
  job_id: string;
  queue: string;
  job_name: string;
  attempt: number;
}

export function jobFields(queue: { name: string }, job: { id?: string | number; name?: string } | undefined, attempt: number): JobFields {
  return { job_id: String(job?.id), queue: queue.name, job_name: job?.name ?? '', attempt };
}
