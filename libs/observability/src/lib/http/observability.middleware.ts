import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { CLS_ID, ClsService } from 'nestjs-cls';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { CONTEXT_SOURCE_KEY, TRACE_CONTEXT_KEY } from '../correlation/correlation-context.js';
import { resolveRequestId, type RequestIdResolution } from '../correlation/request-id.js';
import { parseTraceparent, type TraceContext } from '../correlation/traceparent.js';
import { InternalErrors } from '../faults/internal-errors.js';
import { PINO_LOGGER, RESOLVED_OPTIONS } from '../internal.constants.js';
import { METRICS_REGISTRY } from '../observability.constants.js';
import { negotiateFormat, renderMetrics } from '../metrics/exposition.js';
import type { ResolvedOptions } from '../resolve-options.js';
import { HttpObserver } from './http-observer.js';
import { requestPath, setRequestState, type RequestState } from './request-state.js';

/**
 * The first thing every request meets: resolves the id, opens the CLS context around everything after it
 * (middleware, guards, interceptors, pipes, handlers, filters, 404s), answers the metrics endpoint, and hooks
 * the finish step. Each step is guarded: a fault is counted and the request goes on.
 */
@Injectable()
export class ObservabilityMiddleware implements NestMiddleware {
  private readonly headerKey: string;

  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedOptions,
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    @Inject(PINO_LOGGER) private readonly logger: Logger,
    private readonly cls: ClsService,
    private readonly internal: InternalErrors,
    private readonly observer: HttpObserver,
  ) {
    this.headerKey = options.correlation.header.toLowerCase();
  }

  use(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void {
    const state: RequestState = { start: process.hrtime.bigint() };
    const { correlation, metrics } = this.options;
    let resolution: RequestIdResolution | undefined;
    let trace: TraceContext | undefined;
    if (correlation.enabled) {
      this.internal.guard('correlation', () => {
        resolution = resolveRequestId(req.headers[this.headerKey]);
        trace = parseTraceparent(req.headers.traceparent);
        state.requestId = resolution.id;
        state.traceId = trace?.traceId;
        res.setHeader(correlation.header, resolution.id);
      });
    }
    this.internal.guard('correlation', () => setRequestState(req, state));
    if (this.observer.active) this.internal.guard('metrics', () => this.observer.begin(req, res, state));

    const proceed = (): void => {
      if (resolution?.rejected) {
        // Once per request, at debug, and without the raw value: it is untrusted input.
        this.internal.guard('logging', () =>
          this.logger.debug({ reason: resolution?.rejected, header: correlation.header }, 'incoming request id replaced'),
        );
      }
      if (metrics.enabled && (req.method === 'GET' || req.method === 'HEAD') && requestPath(req) === metrics.path) {
        state.routeTemplate = metrics.path;
        this.serveMetrics(req, res);
        return;
      }
      next();
    };

    if (!state.requestId) {
      proceed();
      return;
    }
    this.cls.run(() => {
      // Outside the guard: a throw here means no context, and nothing later can be trusted to work without one.
      try {
        this.cls.set(CLS_ID, state.requestId);
        this.cls.set(CONTEXT_SOURCE_KEY, 'http');
        if (trace) this.cls.set(TRACE_CONTEXT_KEY, trace);
      } catch (error) {
        this.internal.record('correlation', error);
      }
      proceed();
    });
  }

  private serveMetrics(req: IncomingMessage, res: ServerResponse): void {
    renderMetrics(this.registry, negotiateFormat(req.headers.accept))
      .then(({ contentType, body }) => {
        res.statusCode = 200;
        res.setHeader('Content-Type', contentType);
        res.setHeader('Cache-Control', 'no-store');
        res.end(req.method === 'HEAD' ? undefined : body);
      })
      .catch((error: unknown) => {
        this.internal.record('metrics', error);
        res.statusCode = 500;
        res.end();
      });
  }
}
