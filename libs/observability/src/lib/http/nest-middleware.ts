import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { APP_PORT_METRICS, RESOLVED_OPTIONS } from '../core/tokens.js';
import type { MetricsEndpoint } from '../metrics/metrics-endpoint.js';
import type { ResolvedOptions } from '../options/resolve-options.js';
import { type Next, RequestOpener } from './request-opener.js';
import { requestPath, requestRecord } from './request-record.js';

/** Nest middleware, for adapters other than Express and Fastify: opens requests that bypassed the server, serves the metrics. */
@Injectable()
export class ObservabilityMiddleware implements NestMiddleware {
  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedOptions,
    private readonly opener: RequestOpener,
    @Inject(APP_PORT_METRICS) private readonly metricsEndpoint: MetricsEndpoint | undefined,
  ) {}

  use(req: IncomingMessage, res: ServerResponse, next: Next): void {
    const proceed: Next = () => this.serveMetricsOr(req, res, next);
    if (requestRecord(req)) proceed();
    else this.opener.openAndRun(req, res, proceed);
  }

  private serveMetricsOr(req: IncomingMessage, res: ServerResponse, next: Next): void {
    // Absent with a metrics port of their own: the application's port does not serve them.
    const endpoint = this.metricsEndpoint;
    if (endpoint?.matches(req, requestPath(req))) {
      const state = requestRecord(req);
      if (state) state.routeTemplate = this.options.metrics.path;
      endpoint.handle(req, res);
      return;
    }
    next();
  }
}
