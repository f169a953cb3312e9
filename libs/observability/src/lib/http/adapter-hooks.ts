import type { IncomingMessage, ServerResponse } from 'node:http';
import { type MiddlewareConsumer, type OnModuleInit, RequestMethod } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import type { InternalErrors } from '../core/internal-errors.js';
import type { MetricsEndpoint } from '../metrics/metrics-endpoint.js';
import type { MetricsExposure } from '../metrics/metrics-exposure.js';
import type { ResolvedOptions } from '../options/resolve-options.js';
import { ObservabilityMiddleware } from './nest-middleware.js';
import type { Next, RequestOpener } from './request-opener.js';
import { requestPath, requestRecord } from './request-record.js';
import { ResponseIdHeader, type ReplyHeaders } from './response-id-header.js';
import { fastifyRouteTemplate, type FastifyLike } from './route-template.js';

type ExpressHandle = (req: IncomingMessage, res: ServerResponse, callback?: Next) => void;
interface ExpressAppLike {
  handle: ExpressHandle;
  get(path: string, handler: (req: IncomingMessage, res: ServerResponse) => void): unknown;
}
interface FastifyReplyLike extends ReplyHeaders {
  raw: ServerResponse;
  hijack(): void;
}
interface FastifyAppLike {
  addHook(name: 'onRequest', hook: (request: FastifyLike, reply: FastifyReplyLike, done: () => void) => void): unknown;
  route(options: { method: string; url: string; handler: (request: FastifyLike, reply: FastifyReplyLike) => void }): unknown;
}

/**
 * Puts the module into the HTTP adapter: the opener as the server's first 'request' listener; in the adapter itself
 * (around the Express app's entry point, a Fastify onRequest hook, a native route) the opener for requests that
 * bypass the server, Fastify's route template, and the metrics route. Not as Nest middleware on every path, which costs every request
 * about 15 µs: only adapters other than Express and Fastify get the Nest middleware.
 */
export class AdapterHooks implements OnModuleInit {
  private answerInHook = false;
  /** On Fastify: the request id goes among the reply's headers (see ResponseIdHeader). */
  private idHeader?: ResponseIdHeader;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly adapterHost: HttpAdapterHost,
    private readonly opener: RequestOpener,
    /** Present when the metrics are served on the application's port. */
    private readonly metricsEndpoint: MetricsEndpoint | undefined,
    private readonly internal: InternalErrors,
    private readonly exposure?: MetricsExposure,
  ) {}

  /** From the module's configure(): once the adapter exists (also under Test.createTestingModule), before Nest's routes. */
  mount(consumer: MiddlewareConsumer): void {
    if (this.mountOn(this.adapterHost.httpAdapter)) return;
    consumer.apply(ObservabilityMiddleware).forRoutes({ path: '{*splat}', method: RequestMethod.ALL });
  }

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (adapter) this.opener.attach(adapter.getHttpServer());
  }

  private mountOn(adapter: { getType(): string; getInstance(): unknown } | undefined): boolean {
    const type = adapter?.getType();
    if (!adapter || (type !== 'express' && type !== 'fastify')) return false;
    const { metrics } = this.options;
    const endpoint = this.metricsEndpoint;
    const routeTaken = this.exposure?.routeTakenByController() ?? false;
    // Registered before Nest's routes, the Express route answers before any controller on the same path.
    if (type === 'express') {
      const app = adapter.getInstance() as ExpressAppLike;
      // Around the app's own entry point, not a middleware layer: it runs before every layer (body parsers too), and
      // OpenTelemetry's express instrumentation, which makes a span of every layer, does not see it.
      const handle = app.handle;
      const opener = this.opener;
      app.handle = function observedHandle(this: unknown, req, res, callback) {
        if (requestRecord(req)) return handle.call(this, req, res, callback);
        opener.openAndRun(req, res, () => handle.call(this, req, res, callback));
      };
      // Express answers HEAD with the GET route; the endpoint leaves the body out itself.
      if (endpoint) app.get(metrics.path, (req, res) => endpoint.handle(req, res));
      return true;
    }
    const app = adapter.getInstance() as FastifyAppLike;
    // Fastify refuses a second route on a path a controller takes (@willsoto/nestjs-prometheus's): the hook answers it.
    this.answerInHook = !!endpoint && routeTaken;
    if (this.options.correlation.enabled) {
      this.idHeader = new ResponseIdHeader(this.options.correlation, this.internal);
      this.opener.deferResponseHeader(this.idHeader);
    }
    app.addHook('onRequest', (request, reply, done) => this.onFastifyRequest(request, reply, done));
    if (endpoint && !routeTaken) {
      // Fastify adds the HEAD route itself.
      app.route({
        method: 'GET',
        url: metrics.path,
        handler: (request, reply) => {
          reply.hijack();
          endpoint.handle(request.raw, reply.raw);
        },
      });
    }
    return true;
  }

  /** Fastify resolves the route before `onRequest`: the template goes onto the request state for the finish step. */
  private onFastifyRequest(request: FastifyLike, reply: FastifyReplyLike, done: () => void): void {
    const endpoint = this.metricsEndpoint;
    if (this.answerInHook && endpoint?.matches(request.raw, requestPath(request.raw))) {
      const opened = requestRecord(request.raw);
      if (opened) opened.routeTemplate = this.options.metrics.path;
      reply.hijack();
      endpoint.handle(request.raw, reply.raw);
      return;
    }
    const state = requestRecord(request.raw);
    if (!state) {
      this.opener.openAndRun(request.raw, reply.raw, () => {
        this.onOpened(request, reply);
        done();
      });
      return;
    }
    this.onOpened(request, reply, state);
    done();
  }

  /** The id into the reply's headers, the route template onto the request's record. */
  private onOpened(request: FastifyLike, reply: FastifyReplyLike, state = requestRecord(request.raw)): void {
    if (!state) return;
    if (this.idHeader && state.requestId) {
      try {
        this.idHeader.addTo(reply, state.requestId);
      } catch (error) {
        this.internal.record('correlation', error);
      }
    }
    try {
      const template = fastifyRouteTemplate(request);
      if (template) state.routeTemplate = template;
    } catch (error) {
      this.internal.record('metrics', error);
    }
  }
}
