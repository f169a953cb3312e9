import { type Provider } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, ApplicationConfig, BaseExceptionFilter, DiscoveryService, HttpAdapterHost } from '@nestjs/core';
import { ClsService } from 'nestjs-cls';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { CorrelationInterceptor } from './correlation/correlation.interceptor.js';
import { CorrelationService } from './correlation/correlation.service.js';
import { DatabaseMetrics, type PoolLike } from './database/database-metrics.js';
import { QueryObservabilitySubscriber } from './database/query-subscriber.js';
import { ErrorMetrics } from './errors/error-metrics.js';
import { ObservabilityExceptionFilter } from './errors/observability-exception.filter.js';
import { InternalErrors } from './core/internal-errors.js';
import { HttpObserver } from './http/http-observer.js';
import { AdapterHooks } from './http/adapter-hooks.js';
import { RequestOpener } from './http/request-opener.js';
import { DataSourceWatcher } from './database/data-source-watcher.js';
import { SqlCommentSettingsScope } from './database/sql-comment-settings.js';
import { NestLines } from './logging/nest-lines.js';
import { NestLoggerOverride } from './logging/nest-logger-override.js';
import { MetricsExposure } from './metrics/metrics-exposure.js';
import { APP_PORT_METRICS, OPENTELEMETRY, PINO_LOGGER, RESOLVED_OPTIONS, TRACKED_POOLS, USER_OPTIONS } from './core/tokens.js';
import { METRICS_REGISTRY } from './core/constants.js';
import { createPinoLogger } from './logging/pino-logger.js';
import { loadOpenTelemetry, type OpenTelemetryBridge } from './opentelemetry/active-span.js';
import { HttpMetrics } from './metrics/http-metrics.js';
import { MetricsEndpoint } from './metrics/metrics-endpoint.js';
import type { ObservabilityAsyncOptions } from './options/observability.options.js';
import { resolveOptions, type ResolvedOptions } from './options/resolve-options.js';
import { queueProviders } from './queue/queue.providers.js';
import { currentRouteTemplate } from './http/route-template.js';

/**
 * Every provider of the module, built from the (possibly async) user options. This is the one place where options
 * turn into parts that are there or not: a factory that gives undefined leaves its part out, and the parts that
 * depend on it check for it, not for the option.
 */
export function createObservabilityProviders(async: ObservabilityAsyncOptions): Provider[] {
  return [
    { provide: USER_OPTIONS, useFactory: async.useFactory, inject: async.inject ?? [] },
    { provide: RESOLVED_OPTIONS, useFactory: (user) => resolveOptions(user), inject: [USER_OPTIONS] },
    {
      provide: METRICS_REGISTRY,
      useFactory: (o: ResolvedOptions) => o.metrics.registry ?? new Registry(),
      inject: [RESOLVED_OPTIONS],
    },
    { provide: InternalErrors, useFactory: (r: Registry) => new InternalErrors(r), inject: [METRICS_REGISTRY] },
    {
      // undefined without @opentelemetry/api: then nothing reads or continues spans.
      provide: OPENTELEMETRY,
      useFactory: () => loadOpenTelemetry(),
    },
    {
      provide: PINO_LOGGER,
      useFactory: (o: ResolvedOptions, internal: InternalErrors, otel?: OpenTelemetryBridge) => createPinoLogger(o, internal, otel?.activeSpan),
      inject: [RESOLVED_OPTIONS, InternalErrors, OPENTELEMETRY],
    },
    {
      provide: HttpMetrics,
      useFactory: (o: ResolvedOptions, r: Registry) =>
        o.metrics.enabled ? new HttpMetrics(r, o.metrics.durationBuckets) : undefined,
      inject: [RESOLVED_OPTIONS, METRICS_REGISTRY],
    },
    {
      provide: ErrorMetrics,
      useFactory: (o: ResolvedOptions, r: Registry) => (o.errors.enabled ? new ErrorMetrics(r, o.metricPrefix) : undefined),
      inject: [RESOLVED_OPTIONS, METRICS_REGISTRY],
    },
    {
      provide: HttpObserver,
      useFactory: (o: ResolvedOptions, internal: InternalErrors, metrics: HttpMetrics | undefined, logger: Logger) =>
        new HttpObserver(o, internal, metrics, o.logging.enabled && o.logging.accessLog ? logger : undefined),
      inject: [RESOLVED_OPTIONS, InternalErrors, HttpMetrics, PINO_LOGGER],
    },
    ...queueProviders(currentRouteTemplate),
    { provide: TRACKED_POOLS, useValue: new Set<PoolLike>() },
    {
      provide: QueryObservabilitySubscriber,
      useFactory: (o: ResolvedOptions, registry: Registry, pools: Set<PoolLike>, logger: Logger, internal: InternalErrors) =>
        o.database.enabled
          ? new QueryObservabilitySubscriber(
              o.metrics.enabled ? new DatabaseMetrics(registry, () => pools) : undefined,
              logger,
              o.database.slowQueryMs,
              internal,
            )
          : undefined,
      inject: [RESOLVED_OPTIONS, METRICS_REGISTRY, TRACKED_POOLS, PINO_LOGGER, InternalErrors],
    },
    {
      provide: MetricsEndpoint,
      useFactory: (o: ResolvedOptions, registry: Registry, internal: InternalErrors) =>
        new MetricsEndpoint(registry, { path: o.metrics.path, bearerToken: o.metrics.bearerToken, newSeriesAtZero: o.metrics.newSeriesAtZero }, internal),
      inject: [RESOLVED_OPTIONS, METRICS_REGISTRY, InternalErrors],
    },
    {
      provide: MetricsExposure,
      useFactory: (o: ResolvedOptions, r: Registry, endpoint: MetricsEndpoint, discovery: DiscoveryService, internal: InternalErrors, logger: Logger, config?: ApplicationConfig) =>
        o.metrics.enabled ? new MetricsExposure(o, r, endpoint, discovery, internal, logger, config) : undefined,
      inject: [RESOLVED_OPTIONS, METRICS_REGISTRY, MetricsEndpoint, DiscoveryService, InternalErrors, PINO_LOGGER, { token: ApplicationConfig, optional: true }],
    },
    {
      provide: RequestOpener,
      useFactory: (o: ResolvedOptions, logger: Logger, cls: ClsService, internal: InternalErrors, observer: HttpObserver, otel?: OpenTelemetryBridge) =>
        o.observesRequests ? new RequestOpener(o, logger, cls, internal, observer, otel?.activeSpan) : undefined,
      inject: [RESOLVED_OPTIONS, PINO_LOGGER, ClsService, InternalErrors, HttpObserver, OPENTELEMETRY],
    },
    {
      provide: APP_PORT_METRICS,
      useFactory: (o: ResolvedOptions, endpoint: MetricsEndpoint) => (o.metrics.servedOnAppPort ? endpoint : undefined),
      inject: [RESOLVED_OPTIONS, MetricsEndpoint],
    },
    {
      provide: AdapterHooks,
      useFactory: (o: ResolvedOptions, host: HttpAdapterHost, opener: RequestOpener | undefined, endpoint: MetricsEndpoint | undefined, internal: InternalErrors, exposure?: MetricsExposure) =>
        opener ? new AdapterHooks(o, host, opener, endpoint, internal, exposure) : undefined,
      inject: [RESOLVED_OPTIONS, HttpAdapterHost, RequestOpener, APP_PORT_METRICS, InternalErrors, MetricsExposure],
    },
    {
      provide: NestLoggerOverride,
      useFactory: (o: ResolvedOptions, nestPino: PinoNestLogger, logger: Logger, otel?: OpenTelemetryBridge) =>
        o.logging.enabled ? new NestLoggerOverride(new NestLines(nestPino, logger, otel?.activeSpan)) : undefined,
      inject: [RESOLVED_OPTIONS, PinoNestLogger, PINO_LOGGER, OPENTELEMETRY],
    },
    {
      // Made with the providers, before TypeORM's first statement; the pg pool's clients read it on every statement.
      provide: SqlCommentSettingsScope,
      useFactory: (o: ResolvedOptions, internal: InternalErrors, openTelemetry?: OpenTelemetryBridge) =>
        new SqlCommentSettingsScope({ enabled: o.database.queryComments, application: o.serviceName, prepend: o.database.prependComments, internal, openTelemetry }),
      inject: [RESOLVED_OPTIONS, InternalErrors, OPENTELEMETRY],
    },
    {
      provide: DataSourceWatcher,
      useFactory: (subscriber: QueryObservabilitySubscriber | undefined, discovery: DiscoveryService, pools: Set<PoolLike>, internal: InternalErrors) =>
        subscriber ? new DataSourceWatcher(discovery, subscriber, pools, internal) : undefined,
      inject: [QueryObservabilitySubscriber, DiscoveryService, TRACKED_POOLS, InternalErrors],
    },
    ObservabilityExceptionFilter,
    CorrelationService,
    {
      provide: APP_FILTER,
      useFactory: (o: ResolvedOptions, filter: ObservabilityExceptionFilter, adapterHost: HttpAdapterHost) =>
        o.errors.enabled ? filter : new BaseExceptionFilter(adapterHost.httpAdapter),
      inject: [RESOLVED_OPTIONS, ObservabilityExceptionFilter, HttpAdapterHost],
    },
    {
      // A factory that gives nothing binds no global interceptor (Nest skips it), so HTTP routes keep Nest's
      // interceptor-free path: any global interceptor costs each request an RxJS pipeline.
      provide: APP_INTERCEPTOR,
      useFactory: (o: ResolvedOptions, cls: ClsService, adapterHost: HttpAdapterHost) =>
        o.correlation.enabled && (o.correlation.nonHttpContexts ?? !adapterHost.httpAdapter) ? new CorrelationInterceptor(cls) : undefined,
      inject: [RESOLVED_OPTIONS, ClsService, HttpAdapterHost],
    },
  ];
}
