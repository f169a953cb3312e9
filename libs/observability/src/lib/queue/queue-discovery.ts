import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { DiscoveryService } from '@nestjs/core';
import { staticProviderInstances } from '../core/discovered-instances.js';
import type { InternalErrors } from '../core/internal-errors.js';
import type { BullInstrumentation } from './bull-instrumentation.js';

/**
 * Queues registered with BullModule are known from DI at bootstrap, so their sizes are read at scrape time even
 * before their first job; Bull's prototype is restored when the app shuts down.
 */
export class QueueDiscovery implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly bull: BullInstrumentation,
    private readonly internal: InternalErrors,
  ) {}

  onApplicationBootstrap(): void {
    for (const instance of staticProviderInstances(this.discovery)) this.internal.guard('queue', () => this.bull.track(instance));
  }

  onModuleDestroy(): void {
    this.bull.uninstall();
  }
}
