import type { IncomingMessage } from 'node:http';
import { ClsServiceManager } from 'nestjs-cls';
import { REQUEST_RECORD_KEY } from '../correlation/correlation-context.js';

/**
 * The one record of an HTTP request: made when the request is opened, held by its CLS store and pointed at from the
 * raw request (the finish step runs outside the context, and a request whose store could not be entered still has
 * its id). Read it through `requestRecord()`.
 */
export interface RequestRecord {
  /** Dropped once the response is observed (see `releaseRequest`). */
  req?: IncomingMessage;
  requestId?: string;
  traceId?: string;
  /** `monotonicMs()` when the request was opened. */
  start: number;
  /** Set by the Fastify route capture and the metrics route; Express keeps `req.route` itself. */
  routeTemplate?: string;
}

const RECORD = Symbol('observability:request-record');

type AnyRequest = IncomingMessage | { raw: IncomingMessage };

/** The raw Node request behind an Express request (which is one) or a Fastify request (which wraps one). */
export function rawRequest(request: AnyRequest): IncomingMessage & { [RECORD]?: RequestRecord } {
  const maybe = request as { raw?: unknown };
  return (maybe.raw && typeof maybe.raw === 'object' ? maybe.raw : request) as IncomingMessage;
}

export function attachRecord(record: RequestRecord): void {
  if (record.req) (record.req as IncomingMessage & { [RECORD]?: RequestRecord })[RECORD] = record;
}

/**
 * Once the response is observed, the record keeps the route template and lets go of the request. The record outlives
 * the request in the CLS store; with OpenTelemetry, objects V8 pretenures can reach that store, and a request still
 * hanging off it would promote the request, its response and socket (about 10 KB) to the old generation on every
 * request (docs/performance.md, "The module on top of OpenTelemetry").
 */
export function releaseRequest(record: RequestRecord, routeTemplate: string): void {
  record.routeTemplate = routeTemplate;
  record.req = undefined;
}

/** The record of `request` when given (undefined if it was never opened), else of the current context's request. */
export function requestRecord(request?: AnyRequest): RequestRecord | undefined {
  if (request) return rawRequest(request)[RECORD];
  const cls = ClsServiceManager.getClsService();
  return cls.isActive() ? cls.get<RequestRecord | undefined>(REQUEST_RECORD_KEY) : undefined;
}

/** Path without query string, for matching; at most 512 characters when logged. */
export function requestPath(request: IncomingMessage & { originalUrl?: string }): string {
  const url = request.originalUrl ?? request.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
