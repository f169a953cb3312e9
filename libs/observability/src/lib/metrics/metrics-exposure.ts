import type { Server } from 'node:http';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { ApplicationConfig, DiscoveryService } from '@nestjs/core';
import type { Logger } from 'pino';
import { register as promClientDefaultRegistry, type Registry } from 'prom-client';
import type { InternalErrors } from '../core/internal-errors.js';
import type { ResolvedOptions } from '../options/resolve-options.js';
import type { MetricsEndpoint } from './metrics-endpoint.js';
import { assertNoClash, collectDefaultMetricsOnce, findNestjsPrometheus } from './nestjs-prometheus.js';

/**
 * What the metrics endpoint serves and where, decided once the app's modules are known: the module's registry, and
 * @willsoto/nestjs-prometheus's when the app has it (clashes refused), the default process metrics collected once,
 * a server of their own when `metrics.port` is set, and one start-up line saying where they are.
 */
export class MetricsExposure implements OnApplicationBootstrap, OnModuleDestroy {
  /** The paths of the app's PrometheusControllers; null without @willsoto/nestjs-prometheus; undefined before the look. */
  private nestjsPrometheus?: { paths: string[] } | null;
  private server?: Server;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly registry: Registry,
    private readonly endpoint: MetricsEndpoint,
    private readonly discovery: DiscoveryService,
    private readonly internal: InternalErrors,
    private readonly logger: Logger,
    private readonly appConfig?: ApplicationConfig,
  ) {}

  /** A PrometheusController answers the very path the module serves on the app's port (then the module answers first). */
  routeTakenByController(): boolean {
    const prometheus = this.lookForNestjsPrometheus();
    return !!prometheus && this.options.metrics.servedOnAppPort && prometheus.paths.includes(this.options.metrics.path);
  }

  async onApplicationBootstrap(): Promise<void> {
    const { metrics } = this.options;
    this.lookForNestjsPrometheus();
    for (const registry of this.endpoint.served) assertNoClash(this.registry, registry);
    // At bootstrap, after @willsoto/nestjs-prometheus collected its own (registerAsync does so in a provider).
    if (metrics.defaultMetrics) collectDefaultMetricsOnce(this.registry, this.endpoint.served);
    if (metrics.port !== undefined) this.server = await this.endpoint.listen(metrics.port, metrics.host);
    this.logWhereServed();
  }

  async onModuleDestroy(): Promise<void> {
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Where the separate metrics server listens, when there is one (port 0 picks a free port). */
  get address(): { port: number; host: string } | undefined {
    const address = this.server?.address();
    return address && typeof address === 'object' ? { port: address.port, host: address.address } : undefined;
  }

  /** Once, at the first of configure() (HTTP apps) and bootstrap (every app): serve nestjs-prometheus's registry too. */
  private lookForNestjsPrometheus(): { paths: string[] } | undefined {
    if (this.nestjsPrometheus === undefined) {
      const prefix = this.appConfig?.getGlobalPrefix() ?? '';
      this.nestjsPrometheus = this.internal.guard('metrics', () => findNestjsPrometheus(this.discovery, prefix)) ?? null;
      if (this.nestjsPrometheus) this.endpoint.alsoServe(promClientDefaultRegistry);
    }
    return this.nestjsPrometheus ?? undefined;
  }

  private logWhereServed(): void {
    const { metrics } = this.options;
    const where = metrics.servedOnAppPort ? `GET ${metrics.path} on the application's port` : `GET ${metrics.path} on port ${this.address?.port ?? metrics.port}`;
    let msg = `metrics: ${where} serves ObservabilityModule's metrics`;
    const prometheus = this.nestjsPrometheus;
    if (prometheus) {
      msg += " and @willsoto/nestjs-prometheus's (prom-client's default registry)";
      if (this.routeTakenByController()) msg += `; PrometheusController's route ${metrics.path} is answered by ObservabilityModule, not by the controller`;
      else msg += `; PrometheusController still serves ${prometheus.paths.join(', ')} (prom-client's default registry only)`;
    }
    this.internal.guard('logging', () => this.logger.info({ context: 'ObservabilityModule', metrics_path: metrics.path }, msg));
    if (metrics.addedBuckets.length) {
      const added = metrics.addedBuckets.join(', ');
      const line = `metrics.durationBuckets lacked ${added} s, bounds the alert rules read (metrics.requiredBuckets): added, so those alerts can fire`;
      this.internal.guard('logging', () => this.logger.warn({ context: 'ObservabilityModule', added_buckets: metrics.addedBuckets }, line));
    }
  }
}
