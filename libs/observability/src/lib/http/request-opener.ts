import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ClsService, ClsStore } from 'nestjs-cls';
import type { Logger } from 'pino';
import { monotonicMs } from '../core/clock.js';
import type { InternalErrors } from '../core/internal-errors.js';
import type { ActiveSpanReader } from '../opentelemetry/active-span.js';
import { contextStore } from '../correlation/correlation-context.js';
import { resolveRequestId, type RequestIdResolution } from '../correlation/request-id.js';
import { parseTraceparent, type TraceContext } from '../correlation/traceparent.js';
import { parseTracestate } from '../correlation/tracestate.js';
import type { ResolvedOptions } from '../options/resolve-options.js';
import type { HttpObserver } from './http-observer.js';
import { attachRecord, type RequestRecord } from './request-record.js';
import type { ResponseIdHeader } from './response-id-header.js';

const ATTACHED = Symbol('observability:server-attached');

interface OpenedRequest {
  record: RequestRecord;
  resolution?: RequestIdResolution;
  trace?: TraceContext;
}

export type Next = (error?: unknown) => void;

/**
 * Opens each request: resolves the id, sets the response header (on Fastify, leaves it to the adapter's hook and
 * ResponseIdHeader), starts the finish observation and opens the CLS context. It runs as the HTTP server's first
 * 'request' listener, so the context already holds in body parsers and every other middleware the app registered
 * before Nest's own (a bad JSON body gets its id too);
 * requests that bypass the server (Fastify's inject, supertest on the bare Express app) are opened from the adapter
 * hooks instead. Each step is guarded: a fault is counted and the request goes on.
 */
export class RequestOpener {
  /** On Fastify: the response header is left to the reply (see ResponseIdHeader). */
  private idHeader?: ResponseIdHeader;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly logger: Logger,
    private readonly cls: ClsService,
    private readonly internal: InternalErrors,
    private readonly observer: HttpObserver,
    /** With an OpenTelemetry SDK, the server span (its instrumentation runs the 'request' listeners inside it). */
    private readonly activeSpan?: ActiveSpanReader,
  ) {}

  /** The adapter puts the id among its reply's headers; the raw response gets it only if written without them. */
  deferResponseHeader(idHeader: ResponseIdHeader): void {
    this.idHeader = idHeader;
  }

  /** Becomes the first 'request' listener of `server`; the context it enters flows into the listeners after it. */
  attach(server: Server | undefined): void {
    if (!server || typeof server.prependListener !== 'function') return;
    const marked = server as Server & { [ATTACHED]?: boolean };
    if (marked[ATTACHED]) return;
    marked[ATTACHED] = true;
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      const opened = this.open(req, res);
      if (!opened.record.requestId) return;
      // enterWith, not run: the context must hold in the server's other 'request' listeners, called after this one.
      // try/catch rather than guard(): no closure per request.
      try {
        this.cls.enterWith(this.storeFor(opened));
      } catch (error) {
        this.internal.record('correlation', error);
      }
      this.logRejection(opened.resolution);
    });
  }

  /** Opens a request that did not come through the server's 'request' event and runs `next` in its context. */
  openAndRun(req: IncomingMessage, res: ServerResponse, next: Next): void {
    const opened = this.open(req, res);
    if (!opened.record.requestId) {
      next();
      return;
    }
    let entered = false;
    try {
      this.cls.runWith(this.storeFor(opened), () => {
        entered = true;
        this.logRejection(opened.resolution);
        next();
      });
    } catch (error) {
      if (entered) throw error;
      // The context could not be opened: count it and serve the request without one.
      this.internal.record('correlation', error);
      next();
    }
  }

  private open(req: IncomingMessage, res: ServerResponse): OpenedRequest {
    // Every field from the start: an object that gains fields later changes shape per request.
    const record: RequestRecord = { req, requestId: undefined, traceId: undefined, start: monotonicMs(), routeTemplate: undefined };
    const opened: OpenedRequest = { record, resolution: undefined, trace: undefined };
    // try/catch rather than guard(): this runs for every request, and closures cost.
    if (this.options.correlation.enabled) {
      try {
        const header = req.headers[this.options.correlation.headerKey];
        let resolution = resolveRequestId(header);
        const trace = parseTraceparent(req.headers.traceparent);
        // tracestate means nothing without a valid traceparent, and is dropped with an invalid one.
        const tracestate = trace && parseTracestate(req.headers.tracestate);
        if (tracestate) trace.tracestate = tracestate;
        // The span's trace is the trace when an SDK takes part (the same id when it continued the incoming one).
        record.traceId = (this.activeSpan && this.activeSpan()?.trace_id) ?? trace?.traceId;
        if (header === undefined && record.traceId && this.options.correlation.requestIdFromTrace) resolution = { id: record.traceId };
        opened.resolution = resolution;
        opened.trace = trace;
        record.requestId = resolution.id;
        if (this.idHeader) this.idHeader.deferOn(res, resolution.id);
        else res.setHeader(this.options.correlation.header, resolution.id);
      } catch (error) {
        this.internal.record('correlation', error);
      }
    }
    try {
      attachRecord(record);
    } catch (error) {
      this.internal.record('correlation', error);
    }
    if (this.observer.active) {
      try {
        this.observer.begin(res, record);
      } catch (error) {
        this.internal.record('metrics', error);
      }
    }
    return opened;
  }

  /** The request's CLS store: the module's context store with the request's record (and trace). */
  private storeFor({ record, trace }: OpenedRequest): ClsStore {
    return contextStore(record.requestId, 'http', record, trace);
  }

  private logRejection(resolution: RequestIdResolution | undefined): void {
    if (!resolution?.rejected) return;
    // Once per request, at debug, and without the raw value: it is untrusted input.
    this.internal.guard('logging', () =>
      this.logger.debug({ reason: resolution.rejected, header: this.options.correlation.header }, 'incoming request id replaced'),
    );
  }
}
