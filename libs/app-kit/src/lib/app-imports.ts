import type { DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ObservabilityModule, sqlCommentingClient, type ObservabilityOptions } from '@commandcenter/observability';
import { dataSourceOptions } from '@commandcenter/domain';
import { SyncQueueModule, type QueueConfig } from './sync-queue.js';

/**
 * What the api and the worker both import: observability first, then PostgreSQL through TypeORM with the
 * sqlcommenter client, and the sync queue on Bull or BullMQ.
 */
export function sharedImports(config: QueueConfig & { databaseUrl: string }, observability: ObservabilityOptions): DynamicModule[] {
  return [
    ObservabilityModule.forRoot({ metricPrefix: 'commandcenter', ...observability }),
    TypeOrmModule.forRoot({
      ...dataSourceOptions(config.databaseUrl, { Client: sqlCommentingClient() }),
      retryAttempts: 2,
      retryDelay: 500,
    }),
    SyncQueueModule.register(config),
  ];
}
