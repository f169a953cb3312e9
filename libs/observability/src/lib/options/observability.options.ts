import type { DestinationStream, Level } from 'pino';
import type { Registry } from 'prom-client';
import { DEFAULT_HTTP_DURATION_BUCKETS, DEFAULT_REQUEST_ID_HEADER, DEFAULT_REQUIRED_BUCKETS } from '../core/constants.js';

/** Options of `ObservabilityModule.forRoot()`. Every field is optional; each comment gives the default. */
export interface ObservabilityOptions {
  /** Value of the `service` field on every log line. Default: `SERVICE_NAME` from the environment, else `'app'`. */
  serviceName?: string;
  /**
   * Prefix of the application metrics, as in `<prefix>_errors_total`. Must match `[a-zA-Z_][a-zA-Z0-9_]*`.
   * Default: `'app'`.
   */
  metricPrefix?: string;
  correlation?: CorrelationOptions;
  logging?: LoggingOptions;
  errors?: ErrorsOptions;
  metrics?: MetricsOptions;
  queue?: QueueOptions;
  database?: DatabaseOptions;
}

export interface CorrelationOptions {
  /** Default: true; `OBSERVABILITY_CORRELATION_ENABLED=false` turns it off. */
  enabled?: boolean;
  /** Request and response header that carries the id (case-insensitive). Default: `'X-Request-ID'`. */
  header?: string;
  /**
   * Open a context with a fresh id for non-HTTP calls (microservice messages, websocket events) that arrive without
   * one, through a global interceptor. Default: on for apps without an HTTP server (`createMicroservice`), off for
   * HTTP apps, where any global interceptor costs every request (about 15 µs on Express, see docs/performance.md);
   * a hybrid app (`connectMicroservice`) that wants ids on its messages sets `true`.
   */
  nonHttpContexts?: boolean;
  /**
   * When a request arrives without the id header, use its trace id (the OpenTelemetry server span's, else a valid
   * incoming `traceparent`'s) as the request id, so one id serves both. An invalid header still gets a fresh id.
   * Default: false (a fresh UUID).
   */
  requestIdFromTrace?: boolean;
}

export interface LoggingOptions {
  /** Default: true; `OBSERVABILITY_LOGGING_ENABLED=false` turns it off. */
  enabled?: boolean;
  /** pino level. Default: `LOG_LEVEL` from the environment, else `'info'`. */
  level?: Level | 'silent';
  /**
   * Where JSON lines go. Default: stdout, each event-loop turn's lines in one synchronous write at the end of the
   * turn (an exit or a crash loses none; a SIGKILL, the lines of the turn it interrupts).
   */
  destination?: DestinationStream;
  /** Write one access line per request. Default: true; `OBSERVABILITY_ACCESS_LOG_ENABLED=false` turns it off. */
  accessLog?: boolean;
  /**
   * Paths left out of access lines (exact match, or prefix when ending in `/*`).
   * Default: `['/health', '/health/*']`; the metrics path is always left out.
   */
  accessLogExclude?: string[];
  /** Extra pino redaction paths, added to the defaults (authorization, cookie and set-cookie headers). */
  redact?: string[];
}

export interface ErrorsOptions {
  /** Default: true; `OBSERVABILITY_ERRORS_ENABLED=false` turns it off. */
  enabled?: boolean;
  /** Also count 4xx responses in `<prefix>_errors_total`. Default: false (5xx only). */
  countClientErrors?: boolean;
}

export interface MetricsOptions {
  /** Default: true; `OBSERVABILITY_METRICS_ENABLED=false` turns it off. */
  enabled?: boolean;
  /** Path that serves the metrics. Default: `'/metrics'`. */
  path?: string;
  /** Registry to register into. Default: a new registry owned by the module. */
  registry?: Registry;
  /** Collect prom-client's default Node.js process metrics. Default: true. */
  defaultMetrics?: boolean;
  /** Buckets of `http_request_duration_seconds`, in seconds. Default: `DEFAULT_HTTP_DURATION_BUCKETS`. */
  durationBuckets?: number[];
  /**
   * Bounds the alert rules read off `http_request_duration_seconds` (a latency threshold must be a bucket bound, or
   * its alert never fires): added to `durationBuckets` when missing, with a warning at start-up. Default: `[0.5, 1]`,
   * the thresholds of the shipped pack; set yours when your pack's latency SLO differs.
   */
  requiredBuckets?: number[];
  /**
   * Serve the metrics on this port, on a server of their own, instead of the application's port (keeps them off
   * the public listener). Default: `OBSERVABILITY_METRICS_PORT`, else unset (served on the application's port).
   */
  port?: number;
  /** Host the separate metrics server binds to. Default: `'0.0.0.0'`. */
  host?: string;
  /**
   * Require `Authorization: Bearer <token>` on the metrics endpoint (401 otherwise). Default:
   * `OBSERVABILITY_METRICS_TOKEN`, else no token. Prometheus: `authorization: { credentials_file: ... }`.
   */
  bearerToken?: string;
  /**
   * Show a counter or histogram series that is new to Prometheus at zero for its first scrapes (half the scrape
   * timeout Prometheus announces), so `rate()` and `increase()` count its first occurrence: the first error of a
   * kind, the first 5xx of a route. Only scrapers that send `X-Prometheus-Scrape-Timeout-Seconds` are held.
   * Default: true; `OBSERVABILITY_NEW_SERIES_AT_ZERO_ENABLED=false` turns it off.
   */
  newSeriesAtZero?: boolean;
}

export interface QueueOptions {
  /**
   * Queue integration, for Bull and BullMQ alike: context from `queue.add()` (and flows) into processors, job log
   * fields and event lines, job metrics, queue sizes. Default: on for each library that can be loaded; `true` makes
   * it a start-up error when neither `bull` nor `bullmq` can be.
   * `OBSERVABILITY_QUEUE_PROPAGATION_ENABLED=false` turns it off.
   */
  enabled?: boolean;
  /** Longest wait for Redis when `/metrics` reads queue sizes; a slower answer leaves those series out. Default: 500. */
  scrapeTimeoutMs?: number;
  /**
   * Who reads `bull_queue_jobs` and `bull_queue_workers` from Redis at scrape time. `'one-replica'`: the replica
   * holding a lease key beside the queue's keys (taken when free, renewed at each of its scrapes), so N replicas
   * cost one reading per queue and N lease checks; `'each-replica'`: every replica reads every queue it knows;
   * `'off'`: nobody (sizes come from another exporter). Default: `'one-replica'`.
   */
  sizes?: 'one-replica' | 'each-replica' | 'off';
  /**
   * With `sizes: 'one-replica'`: how long the reader keeps the lease without a scrape; after a crash another replica
   * reads once it runs out (a clean shutdown gives it back at once). About twice the scrape interval. Default: 30000.
   */
  sizesLeaseMs?: number;
}

export interface DatabaseOptions {
  /** TypeORM query subscriber (timing, errors, slow-query warnings) and pool metrics. Default: true. */
  enabled?: boolean;
  /**
   * sqlcommenter comments on every statement, for pools built with `sqlCommentingClient()`. Default: true;
   * `OBSERVABILITY_QUERY_COMMENTS_ENABLED=false` turns them off.
   */
  queryComments?: boolean;
  /** Put the comment before the statement instead of after it. Default: false. */
  prependComments?: boolean;
  /** Statements at least this slow are logged at warn. Default: 200 (ms). */
  slowQueryMs?: number;
}

/** `forRootAsync()` options: the factory's result is merged over the defaults like `forRoot()` options. */
export interface ObservabilityAsyncOptions {
  imports?: any[];
  inject?: any[];
  useFactory: (...args: any[]) => ObservabilityOptions | Promise<ObservabilityOptions>;
}

/**
 * Every default of the options above, in one place: `resolveOptions` merges the user's options over these. Defaults
 * that come from the environment (`SERVICE_NAME`, `LOG_LEVEL`, the `OBSERVABILITY_*` variables) are read there.
 */
export const DEFAULTS = {
  serviceName: 'app',
  metricPrefix: 'app',
  correlation: { enabled: true, header: DEFAULT_REQUEST_ID_HEADER, requestIdFromTrace: false },
  logging: { enabled: true, level: 'info', accessLog: true, accessLogExclude: ['/health', '/health/*'], redact: [] as string[] },
  errors: { enabled: true, countClientErrors: false },
  metrics: { enabled: true, path: '/metrics', host: '0.0.0.0', defaultMetrics: true, newSeriesAtZero: true, durationBuckets: DEFAULT_HTTP_DURATION_BUCKETS, requiredBuckets: DEFAULT_REQUIRED_BUCKETS },
  queue: { scrapeTimeoutMs: 500, sizes: 'one-replica', sizesLeaseMs: 30_000 },
  database: { enabled: true, queryComments: true, prependComments: false, slowQueryMs: 200 },
} as const;
