import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { DiscoveryService } from '@nestjs/core';
import { staticProviderInstances } from '../core/discovered-instances.js';
import type { InternalErrors } from '../core/internal-errors.js';
import { assertClusterSafePrefix } from './cluster-prefix.js';
import type { QueueLibraryInstrumentation } from './queue-library.js';
import type { QueueSizes } from './queue-sizes.js';

/**
 * Queues registered with BullModule (of @nestjs/bull or @nestjs/bullmq) are known from DI at bootstrap, so their
 * sizes are read at scrape time even before their first job, and a queue whose keys a Redis Cluster cannot serve
 * stops the start. At shutdown the size-reading lease is given back and the libraries' prototypes restored.
 */
export class QueueDiscovery implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly libraries: QueueLibraryInstrumentation[],
    private readonly internal: InternalErrors,
    private readonly sizes?: QueueSizes,
  ) {}

  onApplicationBootstrap(): void {
    for (const instance of staticProviderInstances(this.discovery)) {
      const library = this.libraries.find((l) => l.isQueue(instance));
      if (!library) continue;
      // A queue that cannot work on its connection stops the start, unlike the module's own faults.
      assertClusterSafePrefix(library.keyLayout(instance));
      this.internal.guard('queue', () => library.track(instance));
    }
  }

  /** Before the queues close (BullModule closes them at application shutdown, after this). */
  async onModuleDestroy(): Promise<void> {
    await this.sizes?.release();
    for (const library of this.libraries) library.uninstall();
  }
}
