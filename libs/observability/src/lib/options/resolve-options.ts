import type { Level } from 'pino';
import {
  type CorrelationOptions,
  type DatabaseOptions,
  DEFAULTS,
  type ErrorsOptions,
  type LoggingOptions,
  type MetricsOptions,
  type ObservabilityOptions,
  type QueueOptions,
} from './observability.options.js';

/** Every field of `T` present, but those in `Unset`, which stay optional (no default: absent means "not used"). */
type Defaulted<T, Unset extends keyof T = never> = Required<Omit<T, Unset>> & Pick<T, Unset>;

/**
 * The options with every default applied and every environment variable read, plus the switches derived from them:
 * what the internals work from. Typed from the public option types, so a new option cannot be forgotten here.
 */
export interface ResolvedOptions {
  serviceName: string;
  metricPrefix: string;
  correlation: Defaulted<CorrelationOptions, 'nonHttpContexts'> & {
    /** Derived: `header` in lower case, as Node keys incoming and outgoing headers. */
    headerKey: string;
  };
  logging: Defaulted<LoggingOptions, 'destination'>;
  errors: Defaulted<ErrorsOptions>;
  metrics: Defaulted<MetricsOptions, 'registry' | 'port' | 'bearerToken'> & {
    /** Derived: served on the application's own port (metrics on, no port of their own). */
    servedOnAppPort: boolean;
    /** Derived: required bounds that `durationBuckets` lacked and that were added (logged at start-up). */
    addedBuckets: number[];
  };
  queue: Defaulted<QueueOptions> & {
    /** Derived: `queue.enabled: true` was given, so a missing Bull is a start-up error. */
    required: boolean;
  };
  database: Defaulted<DatabaseOptions>;
  /** Derived: correlation, logging or metrics is on, so each request is opened and observed at all. */
  observesRequests: boolean;
}

type Env = Record<string, string | undefined>;

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);
const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const METRIC_PREFIX = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** `OBSERVABILITY_<FEATURE>_ENABLED`: unset means on; anything but a boolean word is a configuration error. */
export function featureFlag(env: Env, feature: string): boolean {
  const name = `OBSERVABILITY_${feature}_ENABLED`;
  const raw = env[name];
  if (raw === undefined || raw === '') return true;
  const value = raw.trim().toLowerCase();
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw new Error(`${name}="${raw}" is not a boolean: use true or false`);
}

export function resolveOptions(options: ObservabilityOptions = {}, env: Env = process.env): ResolvedOptions {
  const metricPrefix = options.metricPrefix ?? DEFAULTS.metricPrefix;
  if (!METRIC_PREFIX.test(metricPrefix)) {
    throw new Error(`ObservabilityModule: metricPrefix "${metricPrefix}" must match ${METRIC_PREFIX}`);
  }
  const header = options.correlation?.header ?? DEFAULTS.correlation.header;
  if (!HEADER_NAME.test(header)) {
    throw new Error(`ObservabilityModule: correlation.header "${header}" is not a valid HTTP header name`);
  }
  const level = (options.logging?.level ?? env.LOG_LEVEL ?? DEFAULTS.logging.level).toLowerCase() as Level | 'silent';
  if (!LEVELS.has(level)) {
    throw new Error(`ObservabilityModule: log level "${level}" is not one of ${[...LEVELS].join(', ')}`);
  }
  const path = options.metrics?.path ?? DEFAULTS.metrics.path;
  if (!path.startsWith('/') || /[?#\s]/.test(path)) {
    throw new Error(`ObservabilityModule: metrics.path "${path}" must start with / and hold no query, fragment or space`);
  }
  const durationBuckets = options.metrics?.durationBuckets ?? DEFAULTS.metrics.durationBuckets;
  if (durationBuckets.length === 0 || durationBuckets.some((b, i) => !(b > 0) || (i > 0 && b <= durationBuckets[i - 1]))) {
    throw new Error('ObservabilityModule: metrics.durationBuckets must be positive and strictly increasing');
  }
  const requiredBuckets = options.metrics?.requiredBuckets ?? DEFAULTS.metrics.requiredBuckets;
  if (requiredBuckets.some((b) => !(b > 0) || !Number.isFinite(b))) throw new Error('ObservabilityModule: metrics.requiredBuckets must be positive numbers');
  const addedBuckets = [...new Set(requiredBuckets)].filter((b) => !durationBuckets.includes(b)).sort((a, b) => a - b);

  const scrapeTimeoutMs = options.queue?.scrapeTimeoutMs ?? DEFAULTS.queue.scrapeTimeoutMs;
  if (!Number.isInteger(scrapeTimeoutMs) || scrapeTimeoutMs < 1 || scrapeTimeoutMs > 10_000) {
    throw new Error('ObservabilityModule: queue.scrapeTimeoutMs must be an integer from 1 to 10000');
  }
  const sizes = options.queue?.sizes ?? DEFAULTS.queue.sizes;
  if (!['one-replica', 'each-replica', 'off'].includes(sizes)) {
    throw new Error(`ObservabilityModule: queue.sizes "${sizes}" must be 'one-replica', 'each-replica' or 'off'`);
  }
  const sizesLeaseMs = options.queue?.sizesLeaseMs ?? DEFAULTS.queue.sizesLeaseMs;
  if (!Number.isInteger(sizesLeaseMs) || sizesLeaseMs < 1000 || sizesLeaseMs > 3_600_000) {
    throw new Error('ObservabilityModule: queue.sizesLeaseMs must be an integer from 1000 to 3600000');
  }

  const rawPort = options.metrics?.port ?? (env.OBSERVABILITY_METRICS_PORT ? Number(env.OBSERVABILITY_METRICS_PORT) : undefined);
  if (rawPort !== undefined && (!Number.isInteger(rawPort) || rawPort < 0 || rawPort > 65535)) {
    throw new Error(`ObservabilityModule: metrics port "${rawPort}" is not a port number`);
  }
  const bearerToken = options.metrics?.bearerToken ?? (env.OBSERVABILITY_METRICS_TOKEN || undefined);
  if (bearerToken !== undefined && !/^[A-Za-z0-9\-._~+/]+=*$/.test(bearerToken)) {
    throw new Error('ObservabilityModule: the metrics bearer token must be a token68 (letters, digits, -._~+/ and trailing =)');
  }
  const slowQueryMs = options.database?.slowQueryMs ?? DEFAULTS.database.slowQueryMs;
  if (!(slowQueryMs >= 0) || !Number.isFinite(slowQueryMs)) {
    throw new Error('ObservabilityModule: database.slowQueryMs must be a number of milliseconds, 0 or more');
  }

  const correlationEnabled = (options.correlation?.enabled ?? DEFAULTS.correlation.enabled) && featureFlag(env, 'CORRELATION');
  const loggingEnabled = (options.logging?.enabled ?? DEFAULTS.logging.enabled) && featureFlag(env, 'LOGGING');
  const metricsEnabled = (options.metrics?.enabled ?? DEFAULTS.metrics.enabled) && featureFlag(env, 'METRICS');
  return {
    serviceName: options.serviceName ?? env.SERVICE_NAME ?? DEFAULTS.serviceName,
    metricPrefix,
    correlation: {
      enabled: correlationEnabled,
      header,
      headerKey: header.toLowerCase(),
      nonHttpContexts: options.correlation?.nonHttpContexts,
      requestIdFromTrace: options.correlation?.requestIdFromTrace ?? DEFAULTS.correlation.requestIdFromTrace,
    },
    logging: {
      enabled: loggingEnabled,
      level,
      destination: options.logging?.destination,
      accessLog: (options.logging?.accessLog ?? DEFAULTS.logging.accessLog) && featureFlag(env, 'ACCESS_LOG'),
      accessLogExclude: [...(options.logging?.accessLogExclude ?? DEFAULTS.logging.accessLogExclude), path],
      redact: options.logging?.redact ?? DEFAULTS.logging.redact,
    },
    errors: {
      enabled: (options.errors?.enabled ?? DEFAULTS.errors.enabled) && featureFlag(env, 'ERRORS'),
      countClientErrors: options.errors?.countClientErrors ?? DEFAULTS.errors.countClientErrors,
    },
    queue: {
      enabled: (options.queue?.enabled ?? true) && featureFlag(env, 'QUEUE_PROPAGATION'),
      required: options.queue?.enabled === true,
      scrapeTimeoutMs,
      sizes,
      sizesLeaseMs,
    },
    database: {
      enabled: options.database?.enabled ?? DEFAULTS.database.enabled,
      queryComments: (options.database?.queryComments ?? DEFAULTS.database.queryComments) && queryCommentsFlag(env),
      prependComments: options.database?.prependComments ?? DEFAULTS.database.prependComments,
      slowQueryMs,
    },
    metrics: {
      enabled: metricsEnabled,
      path,
      port: rawPort,
      host: options.metrics?.host ?? DEFAULTS.metrics.host,
      bearerToken,
      registry: options.metrics?.registry,
      defaultMetrics: options.metrics?.defaultMetrics ?? DEFAULTS.metrics.defaultMetrics,
      newSeriesAtZero: (options.metrics?.newSeriesAtZero ?? DEFAULTS.metrics.newSeriesAtZero) && featureFlag(env, 'NEW_SERIES_AT_ZERO'),
      durationBuckets: [...durationBuckets, ...addedBuckets].sort((a, b) => a - b),
      requiredBuckets: [...requiredBuckets],
      addedBuckets,
      servedOnAppPort: metricsEnabled && rawPort === undefined,
    },
    observesRequests: correlationEnabled || loggingEnabled || metricsEnabled,
  };
}

/**
 * `OBSERVABILITY_QUERY_COMMENTS_ENABLED`: part of the module's options, and all a commenting client has to go by
 * where no module runs (a migration script).
 */
export function queryCommentsFlag(env: Env = process.env): boolean {
  return featureFlag(env, 'QUERY_COMMENTS');
}
