import {
  type DynamicModule,
  Inject,
  Logger as NestLogger,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type OnModuleInit,
  Optional,
  RequestMethod,
} from '@nestjs/common';
import { ApplicationConfig, DiscoveryModule, DiscoveryService, HttpAdapterHost } from '@nestjs/core';
import { ClsService, ClsServiceManager } from 'nestjs-cls';
import { Logger as PinoNestLogger, LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import { CorrelationService } from './correlation/correlation.service.js';
import { InternalErrors } from './core/internal-errors.js';
import { ObservabilityMiddleware } from './http/observability.middleware.js';
import { PINO_LOGGER, RESOLVED_OPTIONS, TRACKED_POOLS } from './core/tokens.js';
import { METRICS_REGISTRY } from './core/constants.js';
import type { PoolLike } from './database/database-metrics.js';
import { QueryObservabilitySubscriber } from './database/query-subscriber.js';
import { configureSqlComments } from './database/sql-comment-settings.js';
import { createMetricTokenProviders, createObservabilityProviders } from './observability.providers.js';
import type { ObservabilityAsyncOptions, ObservabilityOptions } from './options/observability.options.js';
import { BullInstrumentation } from './queue/bull-instrumentation.js';
import { MetricsEndpoint } from './metrics/metrics-endpoint.js';
import { assertNoClash, collectDefaultMetricsOnce, findNestjsPrometheus } from './metrics/nestjs-prometheus.js';
import { register as promClientDefaultRegistry, type Registry } from 'prom-client';
import type { Server } from 'node:http';
import type { ResolvedOptions } from './options/resolve-options.js';

/**
 * One import for correlation ids, structured logs, error tracking and Prometheus metrics. It provides nestjs-cls's
 * `ClsService` and owns the nestjs-pino logger of the application, so import it once, in the root module.
 */
@Module({})
export class ObservabilityModule implements NestModule, OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private metricsServer?: Server;
  /** @willsoto/nestjs-prometheus in the app: the paths of its controllers (undefined before the look, or without it). */
  private nestjsPrometheus?: { paths: string[] } | null;

  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedOptions,
    private readonly adapterHost: HttpAdapterHost,
    private readonly internal: InternalErrors,
    private readonly pinoNestLogger: PinoNestLogger,
    private readonly middleware: ObservabilityMiddleware,
    private readonly discovery: DiscoveryService,
    private readonly metricsEndpoint: MetricsEndpoint,
    @Inject(TRACKED_POOLS) private readonly pools: Set<PoolLike>,
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    @Inject(PINO_LOGGER) private readonly logger: Logger,
    @Optional() private readonly appConfig?: ApplicationConfig,
    @Optional() private readonly bull?: BullInstrumentation,
    @Optional() private readonly querySubscriber?: QueryObservabilitySubscriber,
  ) {
    const { database, serviceName } = options;
    configureSqlComments({
      enabled: database.queryComments,
      application: serviceName,
      prepend: database.prependComments,
      internal,
    });
  }

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
          // child logger, so pino-http only supplies the root logger and mounts no middleware.
          useFactory: (logger: Logger) => ({ pinoHttp: { logger, autoLogging: false }, forRoutes: [], renameContext: 'context' }),
        }),
      ],
      // nestjs-cls's singleton ClsService, without ClsModule.forRoot: that mounts a global guard and interceptor
      // even when told not to (no-ops, yet each costs every request Nest's enhancer pipeline: ~13 µs on Express).
      providers: [
        { provide: ClsService, useFactory: () => ClsServiceManager.getClsService() },
        ...createObservabilityProviders(async),
        ...metricProviders,
      ],
      exports: [CorrelationService, ClsService, METRICS_REGISTRY, PINO_LOGGER, ...metricProviders.map((p) => p.provide)],
    };
  }

  /** Runs once the adapter exists (also under Test.createTestingModule), before Nest registers its routes. */
  configure(consumer: MiddlewareConsumer): void {
    const prometheus = this.lookForNestjsPrometheus();
    if (!this.options.observesRequests) return;
    const { metrics } = this.options;
    const routeTaken = !!prometheus && metrics.servedOnAppPort && prometheus.paths.includes(metrics.path);
    if (this.middleware.mountOn(this.adapterHost.httpAdapter, routeTaken)) return;
    consumer.apply(ObservabilityMiddleware).forRoutes({ path: '{*splat}', method: RequestMethod.ALL });
  }

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (adapter && this.options.observesRequests) this.middleware.attach(adapter.getHttpServer());
    if (this.options.logging.enabled) NestLogger.overrideLogger(this.pinoNestLogger);
  }

  /**
   * Finds what the app registered elsewhere: Bull queues (read at scrape time before their first job) and TypeORM
   * DataSources (the query subscriber is added to each, and their pg pools feed `db_pool_connections`).
   */
  async onApplicationBootstrap(): Promise<void> {
    const { metrics } = this.options;
    this.lookForNestjsPrometheus();
    if (metrics.enabled) {
      for (const registry of this.metricsEndpoint.served) assertNoClash(this.registry, registry);
      // At bootstrap, after @willsoto/nestjs-prometheus collected its own (registerAsync does so in a provider).
      if (metrics.defaultMetrics) collectDefaultMetricsOnce(this.registry, this.metricsEndpoint.served);
    }
    if (metrics.enabled && metrics.port !== undefined) this.metricsServer = await this.metricsEndpoint.listen(metrics.port, metrics.host);
    if (metrics.enabled) this.logMetricsEndpoint();
    for (const wrapper of this.discovery.getProviders()) {
      if (!wrapper.isDependencyTreeStatic()) continue;
      const instance: unknown = wrapper.instance;
      if (this.bull) this.internal.guard('queue', () => this.bull!.track(instance));
      if (this.querySubscriber && isDataSource(instance)) this.internal.guard('database', () => this.watchDataSource(instance));
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.bull?.uninstall();
    configureSqlComments(undefined);
    const server = this.metricsServer;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Where the separate metrics server listens, when there is one (port 0 picks a free port). */
  get metricsAddress(): { port: number; host: string } | undefined {
    const address = this.metricsServer?.address();
    return address && typeof address === 'object' ? { port: address.port, host: address.address } : undefined;
  }

  /** Once, at the first of configure() (HTTP apps) and bootstrap (every app): serve nestjs-prometheus's registry too. */
  private lookForNestjsPrometheus(): { paths: string[] } | undefined {
    if (this.nestjsPrometheus === undefined) {
      const prefix = this.appConfig?.getGlobalPrefix() ?? '';
      this.nestjsPrometheus = this.internal.guard('metrics', () => findNestjsPrometheus(this.discovery, prefix)) ?? null;
      if (this.nestjsPrometheus && this.options.metrics.enabled) this.metricsEndpoint.alsoServe(promClientDefaultRegistry);
    }
    return this.nestjsPrometheus ?? undefined;
  }

  /** One start-up line that says where the metrics are served, and which controller's route it answers instead. */
  private logMetricsEndpoint(): void {
    const { metrics } = this.options;
    const where = metrics.port === undefined ? `GET ${metrics.path} on the application's port` : `GET ${metrics.path} on port ${this.metricsAddress?.port ?? metrics.port}`;
    const prometheus = this.nestjsPrometheus;
    let msg = `metrics: ${where} serves ObservabilityModule's metrics`;
    if (prometheus) {
      msg += " and @willsoto/nestjs-prometheus's (prom-client's default registry)";
      const same = metrics.port === undefined && prometheus.paths.includes(metrics.path);
      if (same) msg += `; PrometheusController's route ${metrics.path} is answered by ObservabilityModule, not by the controller`;
      else msg += `; PrometheusController still serves ${prometheus.paths.join(', ')} (prom-client's default registry only)`;
    }
    this.internal.guard('logging', () => this.logger.info({ context: ObservabilityModule.name, metrics_path: metrics.path }, msg));
  }

  private watchDataSource(dataSource: DataSourceLike): void {
    if (!dataSource.subscribers.includes(this.querySubscriber)) dataSource.subscribers.push(this.querySubscriber);
    const pool = dataSource.driver?.master;
    if (pool && typeof pool.totalCount === 'number') this.pools.add(pool);
  }
}

interface DataSourceLike {
  subscribers: unknown[];
  driver?: { master?: PoolLike };
}

/**
 * TypeORM is an optional peer: a DataSource is recognised by its shape, not by importing its class. Some providers
 * throw on any property access outside a request (nestjs-cls proxy providers): those are not DataSources.
 */
function isDataSource(value: unknown): value is DataSourceLike {
  try {
    const candidate = value as { subscribers?: unknown; driver?: unknown; manager?: unknown; isInitialized?: unknown } | null;
    return (
      !!candidate &&
      typeof candidate === 'object' &&
      Array.isArray(candidate.subscribers) &&
      typeof candidate.driver === 'object' &&
      typeof candidate.manager === 'object' &&
      typeof candidate.isInitialized === 'boolean'
    );
  } catch {
    return false;
  }
}
