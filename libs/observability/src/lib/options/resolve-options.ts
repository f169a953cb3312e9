import type { DestinationStream } from 'pino';
import type { Registry } from 'prom-client';
import type { ObservabilityOptions } from './observability.options.js';
import { DEFAULT_HTTP_DURATION_BUCKETS, DEFAULT_REQUEST_ID_HEADER } from '../core/constants.js';

/** Options with every default applied and every environment flag read: what the internals work from. */
export interface ResolvedOptions {
  serviceName: string;
  metricPrefix: string;
  correlation: { enabled: boolean; header: string; nonHttpContexts?: boolean };
  logging: {
    enabled: boolean;
    level: string;
    destination?: DestinationStream;
    accessLog: boolean;
    accessLogExclude: string[];
    redact: string[];
  };
  errors: { enabled: boolean; countClientErrors: boolean };
  queue: { enabled: boolean; required: boolean; scrapeTimeoutMs: number };
  database: { enabled: boolean; queryComments: boolean; prependComments: boolean; slowQueryMs: number };
  metrics: {
    enabled: boolean;
    path: string;
    port?: number;
    host: string;
    bearerToken?: string;
    registry?: Registry;
    defaultMetrics: boolean;
    durationBuckets: number[];
  };
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
  const metricPrefix = options.metricPrefix ?? 'app';
  if (!METRIC_PREFIX.test(metricPrefix)) {
    throw new Error(`ObservabilityModule: metricPrefix "${metricPrefix}" must match ${METRIC_PREFIX}`);
  }
  const header = options.correlation?.header ?? DEFAULT_REQUEST_ID_HEADER;
  if (!HEADER_NAME.test(header)) {
    throw new Error(`ObservabilityModule: correlation.header "${header}" is not a valid HTTP header name`);
  }
  const level = (options.logging?.level ?? env.LOG_LEVEL ?? 'info').toLowerCase();
  if (!LEVELS.has(level)) {
    throw new Error(`ObservabilityModule: log level "${level}" is not one of ${[...LEVELS].join(', ')}`);
  }
  const path = options.metrics?.path ?? '/metrics';
  if (!path.startsWith('/') || /[?#\s]/.test(path)) {
    throw new Error(`ObservabilityModule: metrics.path "${path}" must start with / and hold no query, fragment or space`);
  }
  const durationBuckets = options.metrics?.durationBuckets ?? DEFAULT_HTTP_DURATION_BUCKETS;
  if (durationBuckets.length === 0 || durationBuckets.some((b, i) => !(b > 0) || (i > 0 && b <= durationBuckets[i - 1]))) {
    throw new Error('ObservabilityModule: metrics.durationBuckets must be positive and strictly increasing');
  }

  const scrapeTimeoutMs = options.queue?.scrapeTimeoutMs ?? 500;
  if (!Number.isInteger(scrapeTimeoutMs) || scrapeTimeoutMs < 1 || scrapeTimeoutMs > 10_000) {
    throw new Error('ObservabilityModule: queue.scrapeTimeoutMs must be an integer from 1 to 10000');
  }

  const rawPort = options.metrics?.port ?? (env.OBSERVABILITY_METRICS_PORT ? Number(env.OBSERVABILITY_METRICS_PORT) : undefined);
  if (rawPort !== undefined && (!Number.isInteger(rawPort) || rawPort < 0 || rawPort > 65535)) {
    throw new Error(`ObservabilityModule: metrics port "${rawPort}" is not a port number`);
  }
  const bearerToken = options.metrics?.bearerToken ?? (env.OBSERVABILITY_METRICS_TOKEN || undefined);
  if (bearerToken !== undefined && !/^[A-Za-z0-9\-._~+/]+=*$/.test(bearerToken)) {
    throw new Error('ObservabilityModule: the metrics bearer token must be a token68 (letters, digits, -._~+/ and trailing =)');
  }
  const slowQueryMs = options.database?.slowQueryMs ?? 200;
  if (!(slowQueryMs >= 0) || !Number.isFinite(slowQueryMs)) {
    throw new Error('ObservabilityModule: database.slowQueryMs must be a number of milliseconds, 0 or more');
  }

  return {
    serviceName: options.serviceName ?? env.SERVICE_NAME ?? 'app',
    metricPrefix,
    correlation: {
      enabled: (options.correlation?.enabled ?? true) && featureFlag(env, 'CORRELATION'),
      header,
      nonHttpContexts: options.correlation?.nonHttpContexts,
    },
    logging: {
      enabled: (options.logging?.enabled ?? true) && featureFlag(env, 'LOGGING'),
      level,
      destination: options.logging?.destination,
      accessLog: options.logging?.accessLog ?? true,
      accessLogExclude: [...(options.logging?.accessLogExclude ?? ['/health', '/health/*']), path],
      redact: options.logging?.redact ?? [],
    },
    errors: {
      enabled: (options.errors?.enabled ?? true) && featureFlag(env, 'ERRORS'),
      countClientErrors: options.errors?.countClientErrors ?? false,
    },
    queue: {
      enabled: (options.queue?.enabled ?? true) && featureFlag(env, 'QUEUE_PROPAGATION'),
      required: options.queue?.enabled === true,
      scrapeTimeoutMs,
    },
    database: {
      enabled: options.database?.enabled ?? true,
      queryComments: (options.database?.queryComments ?? true) && featureFlag(env, 'QUERY_COMMENTS'),
      prependComments: options.database?.prependComments ?? false,
      slowQueryMs,
    },
    metrics: {
      enabled: (options.metrics?.enabled ?? true) && featureFlag(env, 'METRICS'),
      path,
      port: rawPort,
      host: options.metrics?.host ?? '0.0.0.0',
      bearerToken,
      registry: options.metrics?.registry,
      defaultMetrics: options.metrics?.defaultMetrics ?? true,
      durationBuckets: [...durationBuckets],
    },
  };
}
