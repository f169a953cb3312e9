import type { DiscoveryService } from '@nestjs/core';

/** The instances of every static provider in the app (what the module looks through for queues and DataSources). */
export function staticProviderInstances(discovery: DiscoveryService): unknown[] {
  return discovery
    .getProviders()
    .filter((wrapper) => wrapper.isDependencyTreeStatic())
    .map((wrapper) => wrapper.instance as unknown);
}
