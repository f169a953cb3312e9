import type { IncomingMessage } from 'node:http';

/** What the middleware learns about a request, kept on the raw Node request for the later steps. */
export interface RequestState {
  requestId?: string;
  traceId?: string;
  /** process.hrtime.bigint() when the request reached the middleware. */
  start: bigint;
  /** Set by the Fastify route capture; Express keeps `req.route` itself. */
  routeTemplate?: string;
}

const STATE = Symbol('observability:request-state');

type AnyRequest = IncomingMessage | { raw: IncomingMessage };

/** The raw Node request behind an Express request (which is one) or a Fastify request (which wraps one). */
export function rawRequest(request: AnyRequest): IncomingMessage & { [STATE]?: RequestState } {
  const maybe = request as { raw?: unknown };
  return (maybe.raw && typeof maybe.raw === 'object' ? maybe.raw : request) as IncomingMessage;
}

export function setRequestState(request: IncomingMessage, state: RequestState): void {
  (request as IncomingMessage & { [STATE]?: RequestState })[STATE] = state;
}

export function getRequestState(request: AnyRequest): RequestState | undefined {
  return rawRequest(request)[STATE];
}

/** Path without query string, for matching; at most 512 characters when logged. */
export function requestPath(request: IncomingMessage & { originalUrl?: string }): string {
  const url = request.originalUrl ?? request.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
