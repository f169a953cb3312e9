import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { monotonicMs } from '../core/clock.js';
import type { InternalErrors } from '../core/internal-errors.js';
import type { HttpMetrics } from '../metrics/http-metrics.js';
import { methodLabel, OTHER_METHOD } from '../core/labels.js';
import { UNMATCHED_ROUTE } from '../core/constants.js';
import type { ResolvedOptions } from '../options/resolve-options.js';
import { writeAccessLine, type AccessLine } from '../logging/fixed-line.js';
import { releaseRequest, requestPath, requestRecord, type RequestRecord } from './request-record.js';
import { routeTemplateOf } from './route-template.js';

const MAX_LOGGED_PATH = 512;

/**
 * EventEmitter's own methods, called on the response past its instance's: OpenTelemetry's context manager binds each
 * response and replaces its `on` with one that wraps every listener to re-enter the request's context. The observer
 * reads all it needs from the record, and the wrapper cost about 9,500 instructions a request (docs/performance-log.md,
 * "Thirty-eighth look").
 */
const { on: addListener, removeListener } = EventEmitter.prototype;

/** Status recorded when the client went away before the response finished (nginx's convention). */
export const CLIENT_CLOSED_REQUEST = 499;

/** Observes a request once, when its response finishes: RED metrics and the access line. */
export class HttpObserver {
  private readonly exactExcludes: Set<string>;
  /** The exact excludes' lengths: most paths are ruled out by theirs, without hashing a path made per request. */
  private readonly exactLengths: Set<number>;
  private readonly prefixExcludes: string[];
  /**
   * One 'close' listener for every response: no closure per request, and no property of ours on the response. It
   * removes itself: under OpenTelemetry, a listener left on an Express response after its close had each request
   * promoted to the old generation with its response (11 KB a request against 2 KB, three times the collector's
   * time: docs/performance-log.md, "Thirty-eighth look").
   */
  private readonly onClose: (this: ServerResponse) => void;

  constructor(
    options: ResolvedOptions,
    private readonly internal: InternalErrors,
    private readonly metrics: HttpMetrics | undefined,
    private readonly accessLogger: Logger | undefined,
  ) {
    const excludes = options.logging.accessLogExclude;
    this.exactExcludes = new Set(excludes.filter((p) => !p.endsWith('/*')));
    this.exactLengths = new Set([...this.exactExcludes].map((p) => p.length));
    this.prefixExcludes = excludes.filter((p) => p.endsWith('/*')).map((p) => p.slice(0, -1));
    const observer = this;
    this.onClose = function onClose(this: ServerResponse) {
      try {
        // Emits 'removeListener', whose listeners (someone else's) may throw.
        removeListener.call(this, 'close', onClose);
      } catch (error) {
        observer.internal.record('metrics', error);
      }
      // The request's record (attached when it was opened); it lets go of the request once observed, so once only.
      const record = this.req ? requestRecord(this.req) : undefined;
      if (record?.req !== undefined) observer.finish(this, record);
    };
  }

  get active(): boolean {
    return this.metrics !== undefined || this.accessLogger !== undefined;
  }

  begin(res: ServerResponse, record: RequestRecord): void {
    if (this.metrics) this.metrics.started();
    // 'close' comes once per response, after the app ended it, or when the client went away first: such a request
    // is still observed, as 499, so nothing goes missing from the counts. A response that does not lead back to this
    // record (no `req`, or a request the record could not be attached to) gets a listener of its own.
    if (res.req && requestRecord(res.req) === record) addListener.call(res, 'close', this.onClose);
    else res.once('close', () => this.finish(res, record));
  }

  private finish(res: ServerResponse, record: RequestRecord): void {
    const req = record.req ?? res.req;
    const durationSeconds = (monotonicMs() - record.start) / 1e3;
    // writableEnded (the app ended the response), not writableFinished: Fastify's inject never flushes a socket.
    const statusCode = res.writableEnded ? res.statusCode : CLIENT_CLOSED_REQUEST;
    let route: string = UNMATCHED_ROUTE;
    let method = OTHER_METHOD;
    const metrics = this.metrics;
    // try/catch rather than guard(): this runs for every request, and closures cost.
    try {
      method = methodLabel(req.method);
      route = routeTemplateOf(req);
      if (metrics) metrics.finished(method, route, statusCode, durationSeconds, record.requestId, record.traceId);
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
        method,
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
    if (this.exactLengths.has(path.length) && this.exactExcludes.has(path)) return true;
    // A loop rather than some(): no closure per request.
    for (const prefix of this.prefixExcludes) if (path.startsWith(prefix)) return true;
    return false;
  }
}
