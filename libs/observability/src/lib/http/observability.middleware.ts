import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { CLS_ID, ClsService, type ClsStore } from 'nestjs-cls';
import type { Logger } from 'pino';
import { CONTEXT_SOURCE_KEY, HTTP_REQUEST_KEY, TRACE_CONTEXT_KEY } from '../correlation/correlation-context.js';
import { resolveRequestId, type RequestIdResolution } from '../correlation/request-id.js';
import { parseTraceparent, type TraceContext } from '../correlation/traceparent.js';
import { InternalErrors } from '../core/internal-errors.js';
import { PINO_LOGGER, RESOLVED_OPTIONS } from '../core/tokens.js';
import { MetricsEndpoint } from '../metrics/metrics-endpoint.js';
import type { ResolvedOptions } from '../options/resolve-options.js';
import { HttpObserver } from './http-observer.js';
import { getRequestState, requestPath, setRequestState, type RequestState } from './request-state.js';

const ATTACHED = Symbol('observability.serverAttached');

interface OpenedRequest {
  req: IncomingMessage;
  state: RequestState;
  resolution?: RequestIdResolution;
  trace?: TraceContext;
}

type Next = (error?: unknown) => void;

interface ExpressAppLike {
  use(handler: (req: IncomingMessage, res: ServerResponse, next: Next) => void): unknown;
  get(path: string, handler: (req: IncomingMessage, res: ServerResponse) => void): unknown;
}
interface FastifyRequestLike {
  raw: IncomingMessage;
  is404?: boolean;
  routeOptions?: { url?: string };
}
interface FastifyReplyLike {
  raw: ServerResponse;
  hijack(): void;
}
interface FastifyAppLike {
  addHook(name: 'onRequest', hook: (request: FastifyRequestLike, reply: FastifyReplyLike, done: () => void) => void): unknown;
  route(options: { method: string; url: string; handler: (request: FastifyRequestLike, reply: FastifyReplyLike) => void }): unknown;
}

/**
 * Opens each request: resolves the id, sets the response header, starts the finish observation and opens the
 * CLS context. It runs as the HTTP server's first 'request' listener, so the context already holds in body
 * parsers and every other middleware the app registered before Nest's own (a bad JSON body gets its id too).
 * Inside the adapter (an Express middleware, a Fastify hook) it opens requests that bypassed the server
 * (Fastify's inject, supertest on the bare Express app) and captures Fastify's route template; a native route
 * serves the metrics endpoint. Each step is guarded: a fault is counted and the request goes on.
 */
@Injectable()
export class ObservabilityMiddleware implements NestMiddleware {
  private readonly headerKey: string;
  private answerInHook = false;

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
      // enterWith, not run: the context must hold in the server's other 'request' listeners, called after this one.
      this.internal.guard('correlation', () => this.cls.enterWith(this.storeFor(opened)));
      this.logRejection(opened.resolution);
    });
  }

  /**
   * Mounts the fallback opener and the metrics route in the adapter itself (an Express middleware, a Fastify
   * onRequest hook, a native route), not as Nest middleware on every path, which costs every request about 15 µs.
   * Returns false for other adapters: they get the Nest middleware (`use`) instead.
   */
  mountOn(adapter: { getType(): string; getInstance(): unknown } | undefined, routeTaken = false): boolean {
    const type = adapter?.getType();
    if (!adapter || (type !== 'express' && type !== 'fastify')) return false;
    const { metrics } = this.options;
    const servesMetrics = metrics.servedOnAppPort;
    // Registered before Nest's routes, the Express route answers before any controller on the same path.
    if (type === 'express') {
      const app = adapter.getInstance() as ExpressAppLike;
      app.use((req, res, next) => {
        if (getRequestState(req)) next();
        else this.openAndRun(req, res, next);
      });
      // Express answers HEAD with the GET route; the endpoint leaves the body out itself.
      if (servesMetrics) app.get(metrics.path, (req, res) => this.metricsEndpoint.handle(req, res));
      return true;
    }
    const app = adapter.getInstance() as FastifyAppLike;
    // Fastify refuses a second route on a path a controller takes (@willsoto/nestjs-prometheus's): the hook answers it.
    this.answerInHook = servesMetrics && routeTaken;
    app.addHook('onRequest', (request, reply, done) => this.onFastifyRequest(request, reply, done));
    if (servesMetrics && !routeTaken) {
      // Fastify adds the HEAD route itself.
      app.route({
        method: 'GET',
        url: metrics.path,
        handler: (request, reply) => {
          reply.hijack();
          this.metricsEndpoint.handle(request.raw, reply.raw);
        },
      });
    }
    return true;
  }

  /** Nest middleware, for adapters other than Express and Fastify: opens bypassing requests, serves the metrics. */
  use(req: IncomingMessage, res: ServerResponse, next: Next): void {
    const proceed: Next = () => this.serveMetricsOr(req, res, next);
    if (getRequestState(req)) proceed();
    else this.openAndRun(req, res, proceed);
  }

  private serveMetricsOr(req: IncomingMessage, res: ServerResponse, next: Next): void {
    const { metrics } = this.options;
    // With a metrics port of their own, the application's port does not serve them.
    if (metrics.servedOnAppPort && this.metricsEndpoint.matches(req, requestPath(req))) {
      const state = getRequestState(req);
      if (state) state.routeTemplate = metrics.path;
      this.metricsEndpoint.handle(req, res);
      return;
    }
    next();
  }

  /** Fastify resolves the route before `onRequest`: the template goes onto the request state for the finish step. */
  private onFastifyRequest(request: FastifyRequestLike, reply: FastifyReplyLike, done: () => void): void {
    if (this.answerInHook && this.metricsEndpoint.matches(request.raw, requestPath(request.raw))) {
      const opened = getRequestState(request.raw);
      if (opened) opened.routeTemplate = this.options.metrics.path;
      reply.hijack();
      this.metricsEndpoint.handle(request.raw, reply.raw);
      return;
    }
    const state = getRequestState(request.raw);
    if (!state) {
      this.openAndRun(request.raw, reply.raw, () => {
        this.captureRoute(request);
        done();
      });
      return;
    }
    this.captureRoute(request);
    done();
  }

  private captureRoute(request: FastifyRequestLike): void {
    try {
      const state = getRequestState(request.raw);
      if (state && !request.is404 && request.routeOptions?.url) state.routeTemplate = request.routeOptions.url;
    } catch (error) {
      this.internal.record('metrics', error);
    }
  }

  /** Opens a request that did not come through the server's 'request' event and runs `next` in its context. */
  private openAndRun(req: IncomingMessage, res: ServerResponse, next: Next): void {
    const opened = this.open(req, res);
    if (!opened.state.requestId) {
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
    const state: RequestState = { start: process.hrtime.bigint() };
    const opened: OpenedRequest = { req, state };
    // try/catch rather than guard(): this runs for every request, and closures cost.
    if (this.options.correlation.enabled) {
      try {
        const resolution = resolveRequestId(req.headers[this.headerKey]);
        const trace = parseTraceparent(req.headers.traceparent);
        opened.resolution = resolution;
        opened.trace = trace;
        state.requestId = resolution.id;
        state.traceId = trace?.traceId;
        res.setHeader(this.options.correlation.header, resolution.id);
      } catch (error) {
        this.internal.record('correlation', error);
      }
    }
    try {
      setRequestState(req, state);
    } catch (error) {
      this.internal.record('correlation', error);
    }
    if (this.observer.active) {
      try {
        this.observer.begin(req, res, state);
      } catch (error) {
        this.internal.record('metrics', error);
      }
    }
    return opened;
  }

  /** The request's CLS store, built in one piece (cheaper than entering an empty one and setting keys). */
  private storeFor({ req, state, trace }: OpenedRequest): ClsStore {
    const store: ClsStore = { [CLS_ID]: state.requestId, [CONTEXT_SOURCE_KEY]: 'http', [HTTP_REQUEST_KEY]: req };
    if (trace) store[TRACE_CONTEXT_KEY] = trace;
    return store;
  }

  private logRejection(resolution: RequestIdResolution | undefined): void {
    if (!resolution?.rejected) return;
    // Once per request, at debug, and without the raw value: it is untrusted input.
    this.internal.guard('logging', () =>
      this.logger.debug({ reason: resolution.rejected, header: this.options.correlation.header }, 'incoming request id replaced'),
    );
  }
}
