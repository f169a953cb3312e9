import { type Provider } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, BaseExceptionFilter, HttpAdapterHost } from '@nestjs/core';
import { ClsService } from 'nestjs-cls';
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
import { ObservabilityMiddleware } from './http/observability.middleware.js';
import { PINO_LOGGER, RESOLVED_OPTIONS, TRACKED_POOLS, USER_OPTIONS } from './core/tokens.js';
import { METRICS_REGISTRY } from './core/constants.js';
import { currentRouteTemplate } from './http/route-template.js';
import { createPinoLogger } from './logging/pino-logger.js';
import { HttpMetrics } from './metrics/http-metrics.js';
import { MetricsEndpoint } from './metrics/metrics-endpoint.js';
import { metricToken } from './metrics/nestjs-prometheus.js';
import type { ObservabilityAsyncOptions } from './options/observability.options.js';
import { BullInstrumentation } from './queue/bull-instrumentation.js';
import type { BullQueueLike } from './queue/bull-types.js';
import { loadBull } from './queue/load-bull.js';
import { QueueMetrics } from './queue/queue-metrics.js';
import { resolveOptions, type ResolvedOptions } from './options/resolve-options.js';

/** Every provider of the module, built from the (possibly async) user options. */
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
      provide: PINO_LOGGER,
      useFactory: (o: ResolvedOptions, internal: InternalErrors) => createPinoLogger(o, internal),
      inject: [RESOLVED_OPTIONS, InternalErrors],
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
    {
      provide: BullInstrumentation,
      useFactory: async (o: ResolvedOptions, internal: InternalErrors, logger: Logger, registry: Registry) => {
        if (!o.queue.enabled) return undefined;
        const Queue = await loadBull(o.queue.required);
        if (!Queue) return undefined;
        const instrumentation: BullInstrumentation = new BullInstrumentation(Queue, {
          serviceName: o.serviceName,
          logger,
          internal,
          currentRoute: currentRouteTemplate,
          // Queues whose Redis does not answer in time are left out of the scrape, not counted as faults.
          metrics: o.metrics.enabled ? new QueueMetrics(registry, (): Iterable<BullQueueLike> => instrumentation.queues, o.queue.scrapeTimeoutMs) : undefined,
        });
        instrumentation.install();
        return instrumentation;
      },
      inject: [RESOLVED_OPTIONS, InternalErrors, PINO_LOGGER, METRICS_REGISTRY],
    },
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
        new MetricsEndpoint(registry, { path: o.metrics.path, bearerToken: o.metrics.bearerToken }, internal),
      inject: [RESOLVED_OPTIONS, METRICS_REGISTRY, InternalErrors],
    },
    ObservabilityMiddleware,
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

/**
 * The module's metrics under @willsoto/nestjs-prometheus's tokens, so `@InjectMetric('http_requests_total')` (or
 * `@Inject(metricToken(name))` without that package) gives the metric object. A metric whose feature is off is null.
 */
export function createMetricTokenProviders(metricPrefix?: string): Array<Provider & { provide: string }> {
  const names = ['http_requests_total', 'http_request_duration_seconds', 'http_requests_in_flight', 'observability_internal_errors_total'];
  if (metricPrefix !== undefined) names.push(`${metricPrefix}_errors_total`);
  return names.map((name) => ({
    provide: metricToken(name),
    // The metric classes are injected only so that they are registered before the lookup.
    useFactory: (registry: Registry) => registry.getSingleMetric(name) ?? null,
    inject: [METRICS_REGISTRY, InternalErrors, { token: HttpMetrics, optional: true }, { token: ErrorMetrics, optional: true }],
  }));
}
