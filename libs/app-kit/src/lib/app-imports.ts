import { BullModule } from '@nestjs/bull';
import type { DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ObservabilityModule, sqlCommentingClient, type ObservabilityOptions } from '@commandcenter/observability';
import { redisConnectionOptions } from './config.js';
import { dataSourceOptions, REPOSITORY_SYNC_QUEUE } from '@commandcenter/domain';

/**
 * What the api and the worker both import: observability first, then PostgreSQL through TypeORM with the
 * sqlcommenter client, and Bull with the sync queue.
 */
export function sharedImports(
  config: { databaseUrl: string; redisUrl: string; queueLockMs?: number },
  observability: ObservabilityOptions,
): DynamicModule[] {
  return [
    ObservabilityModule.forRoot({ metricPrefix: 'commandcenter', ...observability }),
    TypeOrmModule.forRoot({
      ...dataSourceOptions(config.databaseUrl, { Client: sqlCommentingClient() }),
      retryAttempts: 2,
      retryDelay: 500,
    }),
    BullModule.forRoot({
      url: config.redisUrl,
      redis: redisConnectionOptions(),
      // A job whose worker died (its lock not renewed) goes back to the queue within about twice this.
      ...(config.queueLockMs ? { settings: { lockDuration: config.queueLockMs, stalledInterval: config.queueLockMs } } : {}),
    }),
    BullModule.registerQueue({ name: REPOSITORY_SYNC_QUEUE }),
  ];
}
