/** Header that carries the request id unless `correlation.header` says otherwise. */
export const DEFAULT_REQUEST_ID_HEADER = 'X-Request-ID';

/** The one `route` label value of requests that matched no route, so hostile paths cannot grow series. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Buckets of `http_request_duration_seconds` in seconds. They straddle the latency thresholds of the shipped
 * alerts (250 ms, 500 ms, 1 s, 2.5 s), so a p95 near a threshold is never read off the +Inf bucket.
 */
export const DEFAULT_HTTP_DURATION_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2.5, 5, 10,
];

/** Bucket bounds the shipped alert rules read (the p95 alert's 500 ms, the latency SLO's 1 s): kept in custom buckets. */
export const DEFAULT_REQUIRED_BUCKETS: readonly number[] = [0.5, 1];

/** DI token of the prom-client registry the module writes to: inject it to register the app's own metrics. */
export const METRICS_REGISTRY = Symbol('observability:metrics-registry');
