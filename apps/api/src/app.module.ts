import { BullModule } from '@nestjs/bull';
import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions, HealthController, redisConnectionOptions, REPOSITORY_SYNC_QUEUE } from '@commandcenter/domain';
import { ObservabilityModule, sqlCommentingClient, type ObservabilityOptions } from '@commandcenter/observability';
import type { ApiConfig } from './config.js';
import { TriggerTestErrorController } from './debug/trigger-test-error.controller.js';
import { RepositoriesModule } from './repositories/repositories.module.js';

@Module({})
export class AppModule {
  static register(config: ApiConfig, observability: ObservabilityOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot({ serviceName: 'api', metricPrefix: 'commandcenter', ...observability }),
        TypeOrmModule.forRoot({
          ...dataSourceOptions(config.databaseUrl, { Client: sqlCommentingClient() }),
          retryAttempts: 2,
          retryDelay: 500,
        }),
        BullModule.forRoot({ url: config.redisUrl, redis: redisConnectionOptions() }),
        BullModule.registerQueue({ name: REPOSITORY_SYNC_QUEUE }),
        RepositoriesModule,
      ],
      controllers: [HealthController, ...(config.testErrorEnabled ? [TriggerTestErrorController] : [])],
    };
  }
}
