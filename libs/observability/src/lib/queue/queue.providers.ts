import { type Provider } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../core/constants.js';
import { InternalErrors } from '../core/internal-errors.js';
import { OPENTELEMETRY, PINO_LOGGER, QUEUE_LIBRARIES, RESOLVED_OPTIONS } from '../core/tokens.js';
import type { OpenTelemetryBridge } from '../opentelemetry/active-span.js';
import type { ResolvedOptions } from '../options/resolve-options.js';
import { BullInstrumentation } from './bull-instrumentation.js';
import { BullJobEvents } from './bull-job-events.js';
import { BullMqInstrumentation } from './bullmq-instrumentation.js';
import { BullMqJobEvents } from './bullmq-job-events.js';
import { JobEvents } from './job-events.js';
import { loadQueueLibraries, type QueueLibraries } from './load-queue-libraries.js';
import { QueueDiscovery } from './queue-discovery.js';
import { QueueMetrics } from './queue-metrics.js';
import { QueueSizes } from './queue-sizes.js';

/**
 * The queue's providers, part of the module's (observability.providers.ts): the libraries found (none when the queue
 * is switched off), the job events and metrics, the queue sizes, each library's instrumentation and the discovery of
 * the app's queues. Each gives undefined when its part is not there. `currentRoute` names the HTTP route a job is
 * added from (handed in: queue/ does not import http/).
 */
export function queueProviders(currentRoute: () => string | undefined): Provider[] {
  // What both libraries' instrumentations take, but for their own job events.
  const depsOf = (o: ResolvedOptions, internal: InternalErrors, openTelemetry?: OpenTelemetryBridge, sizes?: QueueSizes) => ({
    serviceName: o.serviceName,
    internal,
    currentRoute,
    openTelemetry,
    sizes,
  });
  return [
    {
      provide: QUEUE_LIBRARIES,
      useFactory: async (o: ResolvedOptions): Promise<QueueLibraries> => (o.queue.enabled ? loadQueueLibraries(o.queue.required) : {}),
      inject: [RESOLVED_OPTIONS],
    },
    {
      provide: JobEvents,
      useFactory: (o: ResolvedOptions, libs: QueueLibraries, internal: InternalErrors, logger: Logger, registry: Registry) =>
        libs.bull || libs.bullmq ? new JobEvents(logger, internal, o.metrics.enabled ? new QueueMetrics(registry) : undefined) : undefined,
      inject: [RESOLVED_OPTIONS, QUEUE_LIBRARIES, InternalErrors, PINO_LOGGER, METRICS_REGISTRY],
    },
    {
      provide: QueueSizes,
      useFactory: (o: ResolvedOptions, libs: QueueLibraries, registry: Registry) =>
        (libs.bull || libs.bullmq) && o.metrics.enabled
          ? new QueueSizes(registry, { mode: o.queue.sizes, timeoutMs: o.queue.scrapeTimeoutMs, leaseMs: o.queue.sizesLeaseMs })
          : undefined,
      inject: [RESOLVED_OPTIONS, QUEUE_LIBRARIES, METRICS_REGISTRY],
    },
    {
      provide: BullInstrumentation,
      useFactory: (o: ResolvedOptions, libs: QueueLibraries, internal: InternalErrors, events?: JobEvents, sizes?: QueueSizes, otel?: OpenTelemetryBridge) => {
        if (!libs.bull || !events) return undefined;
        const instrumentation = new BullInstrumentation(libs.bull, { ...depsOf(o, internal, otel, sizes), events: new BullJobEvents(events, internal) });
        instrumentation.install();
        return instrumentation;
      },
      inject: [RESOLVED_OPTIONS, QUEUE_LIBRARIES, InternalErrors, JobEvents, QueueSizes, OPENTELEMETRY],
    },
    {
      provide: BullMqInstrumentation,
      useFactory: (o: ResolvedOptions, libs: QueueLibraries, internal: InternalErrors, events?: JobEvents, sizes?: QueueSizes, otel?: OpenTelemetryBridge) => {
        const classes = libs.bullmq;
        if (!classes || !events) return undefined;
        const fetchJob = classes.Job ? (worker: unknown, id: string) => classes.Job!.fromId(worker, id) : undefined;
        const instrumentation = new BullMqInstrumentation(classes, { ...depsOf(o, internal, otel, sizes), events: new BullMqJobEvents(events, internal, fetchJob) });
        instrumentation.install();
        return instrumentation;
      },
      inject: [RESOLVED_OPTIONS, QUEUE_LIBRARIES, InternalErrors, JobEvents, QueueSizes, OPENTELEMETRY],
    },
    {
      provide: QueueDiscovery,
      useFactory: (discovery: DiscoveryService, internal: InternalErrors, bull?: BullInstrumentation, bullmq?: BullMqInstrumentation, sizes?: QueueSizes) => {
        const libraries = [bull, bullmq].filter((l) => l !== undefined);
        return libraries.length > 0 ? new QueueDiscovery(discovery, libraries, internal, sizes) : undefined;
      },
      inject: [DiscoveryService, InternalErrors, BullInstrumentation, BullMqInstrumentation, QueueSizes],
    },
  ];
}
