import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { InternalErrors } from '../core/internal-errors.js';
import type { HttpMetrics } from '../metrics/http-metrics.js';
import { methodLabel } from '../core/labels.js';
import { UNMATCHED_ROUTE } from '../core/constants.js';
import type { ResolvedOptions } from '../options/resolve-options.js';
import { writeAccessLine, type AccessLine } from '../logging/fixed-line.js';
import { releaseRequest, requestPath, type RequestRecord } from './request-record.js';
import { routeTemplateOf } from './route-template.js';

const MAX_LOGGED_PATH = 512;
/** The record of a response being observed, until its 'close' (one listener function for every response, no closure each). */
const OBSERVED = Symbol('observability:observed-response');
type ObservedResponse = ServerResponse & { [OBSERVED]?: RequestRecord };
/** Status recorded when the client went away before the response finished (nginx's convention). */
export const CLIENT_CLOSED_REQUEST = 499;

/** Observes a request once, when its response finishes: RED metrics and the access line. */
export class HttpObserver {
  private readonly exactExcludes: Set<string>;
  private readonly prefixExcludes: string[];
  private readonly onClose: (this: ObservedResponse) => void;

  constructor(
    options: ResolvedOptions,
    private readonly internal: InternalErrors,
    private readonly metrics: HttpMetrics | undefined,
    private readonly accessLogger: Logger | undefined,
  ) {
    const excludes = options.logging.accessLogExclude;
    this.exactExcludes = new Set(excludes.filter((p) => !p.endsWith('/*')));
    this.prefixExcludes = excludes.filter((p) => p.endsWith('/*')).map((p) => p.slice(0, -1));
    const observer = this;
    this.onClose = function (this: ObservedResponse) {
      const record = this[OBSERVED];
      if (record === undefined) return;
      this[OBSERVED] = undefined;
      observer.finish(this, record);
    };
  }

  get active(): boolean {
    return this.metrics !== undefined || this.accessLogger !== undefined;
  }

  begin(res: ServerResponse, record: RequestRecord): void {
    if (this.metrics) this.metrics.inFlight.inc();
    // 'close' comes once per response, after the app ended it, or when the client went away first: such a request
    // is still observed, as 499, so nothing goes missing from the counts. The record is taken at the first 'close'.
    (res as ObservedResponse)[OBSERVED] = record;
    res.on('close', this.onClose);
  }

  private finish(res: ServerResponse, record: RequestRecord): void {
    // The record lets go of its request at the end of this step (releaseRequest); the response knows it too.
    const req = record.req ?? res.req;
    const durationSeconds = (performance.now() - record.start) / 1e3;
    // writableEnded (the app ended the response), not writableFinished: Fastify's inject never flushes a socket.
    const statusCode = res.writableEnded ? res.statusCode : CLIENT_CLOSED_REQUEST;
    let route: string = UNMATCHED_ROUTE;
    const metrics = this.metrics;
    // try/catch rather than guard(): this runs for every request, and closures cost.
    try {
      route = routeTemplateOf(req);
      if (metrics) {
        metrics.inFlight.dec();
        metrics.observe(req.method, route, statusCode, durationSeconds, record.requestId, record.traceId);
      }
    } catch (error) {
      this.internal.record('metrics', error);
    }
    releaseRequest(record, route);
    const logger = this.accessLogger;
    if (!logger) return;
    try {
      const path = requestPath(req);
      if (this.isExcluded(path)) return;
      const line: AccessLine = {
        request_id: record.requestId,
        trace_id: record.traceId,
        method: methodLabel(req.method),
        route,
        path: path.length > MAX_LOGGED_PATH ? path.slice(0, MAX_LOGGED_PATH) : path,
        status_code: statusCode,
        duration_ms: Math.round(durationSeconds * 1e6) / 1e3,
      };
      if (!writeAccessLine(logger, line)) logger.info(line, 'request completed');
    } catch (error) {
      this.internal.record('access-log', error);
    }
  }

  private isExcluded(path: string): boolean {
    if (this.exactExcludes.has(path)) return true;
    // A loop rather than some(): no closure per request.
    for (const prefix of this.prefixExcludes) if (path.startsWith(prefix)) return true;
    return false;
  }
}
