import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { CLS_ID, ClsService } from 'nestjs-cls';
import type { Logger } from 'pino';
import { CONTEXT_SOURCE_KEY, HTTP_REQUEST_KEY, TRACE_CONTEXT_KEY } from '../correlation/correlation-context.js';
import { resolveRequestId, type RequestIdResolution } from '../correlation/request-id.js';
import { parseTraceparent, type TraceContext } from '../correlation/traceparent.js';
import { InternalErrors } from '../faults/internal-errors.js';
import { PINO_LOGGER, RESOLVED_OPTIONS } from '../internal.constants.js';
import { MetricsEndpoint } from '../metrics/metrics-endpoint.js';
import type { ResolvedOptions } from '../resolve-options.js';
import { HttpObserver } from './http-observer.js';
import { getRequestState, requestPath, setRequestState, type RequestState } from './request-state.js';

const ATTACHED = Symbol('observability.serverAttached');

interface OpenedRequest {
  req: IncomingMessage;
  state: RequestState;
  resolution?: RequestIdResolution;
  trace?: TraceContext;
}

/**
 * Opens each request: resolves the id, sets the response header, starts the finish observation and opens the
 * CLS context. It runs as the HTTP server's first 'request' listener, so the context already holds in body
 * parsers and every other middleware the app registered before Nest's own (a bad JSON body gets its id too);
 * as Nest middleware it answers the metrics endpoint, and opens requests that bypassed the server (Fastify's
 * inject). Each step is guarded: a fault is counted and the request goes on.
 */
@Injectable()
export class ObservabilityMiddleware implements NestMiddleware {
  private readonly headerKey: string;

  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedOptions,
    @Inject(PINO_LOGGER) private readonly logger: Logger,
    private readonly cls: ClsService,
    private readonly internal: InternalErrors,
    private readonly observer: HttpObserver,
    private readonly metricsEndpoint: MetricsEndpoint,
  ) {
    this.headerKey = options.correlation.header.toLowerCase();
  }

  /** Becomes the first 'request' listener of `server`; the context it enters flows into the listeners after it. */
  attach(server: Server | undefined): void {
    if (!server || typeof server.prependListener !== 'function') return;
    const marked = server as Server & { [ATTACHED]?: boolean };
    if (marked[ATTACHED]) return;
    marked[ATTACHED] = true;
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      const opened = this.open(req, res);
      if (!opened.state.requestId) return;
      this.cls.enter({ ifNested: 'override' });
      this.fillContext(opened);
    });
  }

  use(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void {
    const proceed = (): void => {
      const { metrics } = this.options;
      // With a metrics port of their own, the application's port does not serve them.
      if (metrics.enabled && metrics.port === undefined && this.metricsEndpoint.matches(req, requestPath(req))) {
        const state = getRequestState(req);
        if (state) state.routeTemplate = metrics.path;
        this.metricsEndpoint.handle(req, res);
        return;
      }
      next();
    };
    if (getRequestState(req)) {
      proceed();
      return;
    }
    const opened = this.open(req, res);
    if (!opened.state.requestId) {
      proceed();
      return;
    }
    this.cls.run({ ifNested: 'override' }, () => {
      this.fillContext(opened);
      proceed();
    });
  }

  private open(req: IncomingMessage, res: ServerResponse): OpenedRequest {
    const opened: OpenedRequest = { req, state: { start: process.hrtime.bigint() } };
    const { correlation } = this.options;
    if (correlation.enabled) {
      this.internal.guard('correlation', () => {
        opened.resolution = resolveRequestId(req.headers[this.headerKey]);
        opened.trace = parseTraceparent(req.headers.traceparent);
        opened.state.requestId = opened.resolution.id;
        opened.state.traceId = opened.trace?.traceId;
        res.setHeader(correlation.header, opened.resolution.id);
      });
    }
    this.internal.guard('correlation', () => setRequestState(req, opened.state));
    if (this.observer.active) this.internal.guard('metrics', () => this.observer.begin(req, res, opened.state));
    return opened;
  }

  /** Puts the request's correlation into the context just entered. */
  private fillContext({ req, state, resolution, trace }: OpenedRequest): void {
    try {
      this.cls.set(CLS_ID, state.requestId);
      this.cls.set(CONTEXT_SOURCE_KEY, 'http');
      this.cls.set(HTTP_REQUEST_KEY, req);
      if (trace) this.cls.set(TRACE_CONTEXT_KEY, trace);
    } catch (error) {
      this.internal.record('correlation', error);
    }
    if (resolution?.rejected) {
      // Once per request, at debug, and without the raw value: it is untrusted input.
      this.internal.guard('logging', () =>
        this.logger.debug({ reason: resolution.rejected, header: this.options.correlation.header }, 'incoming request id replaced'),
      );
    }
  }

}
