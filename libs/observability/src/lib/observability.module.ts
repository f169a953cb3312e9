import { type DynamicModule, type MiddlewareConsumer, Module, type NestModule, Optional } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ClsService, ClsServiceManager } from 'nestjs-cls';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import { METRICS_REGISTRY } from './core/constants.js';
import { PINO_LOGGER } from './core/tokens.js';
import { CorrelationService } from './correlation/correlation.service.js';
import { AdapterHooks } from './http/adapter-hooks.js';
import { MetricsExposure } from './metrics/metrics-exposure.js';
import { createMetricTokenProviders } from './observability.metric-tokens.js';
import { createObservabilityProviders } from './observability.providers.js';
import type { ObservabilityAsyncOptions, ObservabilityOptions } from './options/observability.options.js';

/**
 * One import for correlation ids, structured logs, error tracking and Prometheus metrics. It provides nestjs-cls's
 * `ClsService` and owns the nestjs-pino logger of the application, so import it once, in the root module. This
 * class only wires: what each part does, and when, lives in the part (observability.providers.ts lists them).
 */
@Module({})
export class ObservabilityModule implements NestModule {
  constructor(
    @Optional() private readonly adapterHooks?: AdapterHooks,
    @Optional() private readonly metricsExposure?: MetricsExposure,
  ) {}

  /** Options are read when the module is instantiated, so environment flags set before bootstrap apply. */
  static forRoot(options: ObservabilityOptions = {}): DynamicModule {
    return ObservabilityModule.create({ useFactory: () => options }, options.metricPrefix ?? 'app');
  }

  static forRootAsync(async: ObservabilityAsyncOptions): DynamicModule {
    return ObservabilityModule.create(async);
  }

  /** `metricPrefix` is known up front only with forRoot(): then `<prefix>_errors_total` gets an @InjectMetric token too. */
  private static create(async: ObservabilityAsyncOptions, metricPrefix?: string): DynamicModule {
    const metricProviders = createMetricTokenProviders(metricPrefix);
    return {
      module: ObservabilityModule,
      global: true,
      imports: [
        ...(async.imports ?? []),
        DiscoveryModule,
        LoggerModule.forRootAsync({
          inject: [PINO_LOGGER],
          // The request context comes from CLS (one source of truth for the id), not from pino-http's per-request
          // child logger, so pino-http only supplies the root logger and mounts no middleware. Its child of that
          // logger keeps the module's serializers (wrapSerializers: false): pino-http's own `err` serializer would
          // print an error's headers unredacted on Nest's Logger.error() lines.
          useFactory: (logger: Logger) => ({ pinoHttp: { logger, autoLogging: false, wrapSerializers: false }, forRoutes: [], renameContext: 'context' }),
        }),
      ],
      // nestjs-cls's singleton ClsService, without ClsModule.forRoot: that mounts a global guard and interceptor
      // even when told not to (no-ops, yet each costs every request Nest's enhancer pipeline: ~13 µs on Express).
      providers: [
        { provide: ClsService, useFactory: () => ClsServiceManager.getClsService() },
        ...createObservabilityProviders(async),
        ...metricProviders,
      ],
      // PINO_LOGGER is not public: it is exported for nestjs-pino's LoggerModule above, which builds on it.
      exports: [CorrelationService, ClsService, METRICS_REGISTRY, PINO_LOGGER, ...metricProviders.map((p) => p.provide)],
    };
  }

  /** Runs once the adapter exists (also under Test.createTestingModule), before Nest registers its routes. */
  configure(consumer: MiddlewareConsumer): void {
    this.adapterHooks?.mount(consumer);
  }

  /** Where the separate metrics server listens, when there is one (port 0 picks a free port). */
  get metricsAddress(): { port: number; host: string } | undefined {
    return this.metricsExposure?.address;
  }
}
