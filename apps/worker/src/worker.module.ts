import { BullModule } from '@nestjs/bull';
import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions, HealthController, redisConnectionOptions, REPOSITORY_SYNC_QUEUE } from '@commandcenter/domain';
import { ObservabilityModule, sqlCommentingClient, type ObservabilityOptions } from '@commandcenter/observability';
import type { WorkerConfig } from './config.js';
import { SyncProcessor } from './sync/sync.processor.js';
import { WORKER_CONFIG } from './tokens.js';

@Module({})
export class WorkerModule {
  static register(config: WorkerConfig, observability: ObservabilityOptions = {}): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ObservabilityModule.forRoot({ serviceName: 'worker', metricPrefix: 'commandcenter', ...observability }),
        TypeOrmModule.forRoot({
          ...dataSourceOptions(config.databaseUrl, { Client: sqlCommentingClient() }),
          retryAttempts: 2,
          retryDelay: 500,
        }),
        BullModule.forRoot({ url: config.redisUrl, redis: redisConnectionOptions() }),
        BullModule.registerQueue({ name: REPOSITORY_SYNC_QUEUE }),
      ],
      controllers: [HealthController],
      providers: [{ provide: WORKER_CONFIG, useValue: config }, SyncProcessor],
    };
  }
}
