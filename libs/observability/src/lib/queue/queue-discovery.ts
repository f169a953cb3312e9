import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { DiscoveryService } from '@nestjs/core';
import { staticProviderInstances } from '../core/discovered-instances.js';
import type { InternalErrors } from '../core/internal-errors.js';
import type { BullInstrumentation } from './bull-instrumentation.js';
import { assertClusterSafePrefix } from './cluster-prefix.js';

/**
 * Queues registered with BullModule are known from DI at bootstrap, so their sizes are read at scrape time even
 * before their first job, and a queue whose keys a Redis Cluster cannot serve stops the start; Bull's prototype is
 * restored when the app shuts down.
 */
export class QueueDiscovery implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly bull: BullInstrumentation,
    private readonly internal: InternalErrors,
  ) {}

  onApplicationBootstrap(): void {
    for (const instance of staticProviderInstances(this.discovery)) {
      // A queue that cannot work on its connection stops the start, unlike the module's own faults.
      if (this.bull.isQueue(instance)) assertClusterSafePrefix(instance as Parameters<typeof assertClusterSafePrefix>[0]);
      this.internal.guard('queue', () => this.bull.track(instance));
    }
  }

  onModuleDestroy(): void {
    this.bull.uninstall();
  }
}
