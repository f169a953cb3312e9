import type { OnApplicationBootstrap } from '@nestjs/common';
import type { DiscoveryService } from '@nestjs/core';
import { staticProviderInstances } from '../core/discovered-instances.js';
import type { InternalErrors } from '../core/internal-errors.js';
import type { PoolLike } from './database-metrics.js';
import type { QueryObservabilitySubscriber } from './query-subscriber.js';

interface DataSourceLike {
  subscribers: unknown[];
  driver?: { master?: PoolLike };
}

/**
 * Finds the TypeORM DataSources the app registered, once they exist: the query subscriber is added to each, and their
 * pg pools feed `db_pool_connections`.
 */
export class DataSourceWatcher implements OnApplicationBootstrap {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly subscriber: QueryObservabilitySubscriber,
    private readonly pools: Set<PoolLike>,
    private readonly internal: InternalErrors,
  ) {}

  onApplicationBootstrap(): void {
    for (const instance of staticProviderInstances(this.discovery)) {
      if (isDataSource(instance)) this.internal.guard('database', () => this.watch(instance));
    }
  }

  private watch(dataSource: DataSourceLike): void {
    if (!dataSource.subscribers.includes(this.subscriber)) dataSource.subscribers.push(this.subscriber);
    const pool = dataSource.driver?.master;
    if (pool && typeof pool.totalCount === 'number') this.pools.add(pool);
  }
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
