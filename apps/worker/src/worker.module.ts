import { type DynamicModule, Module } from '@nestjs/common';
import { HealthController, sharedImports } from '@commandcenter/app-kit';
import type { ObservabilityOptions } from '@commandcenter/observability';
import type { WorkerConfig } from './config.js';
import { BullSyncConsumer } from './sync/bull-sync.consumer.js';
import { bullMqSyncConsumer } from './sync/bullmq-sync.consumer.js';
import { SyncProcessor } from './sync/sync.processor.js';
import { WORKER_CONFIG } from './tokens.js';

@Module({})
export class WorkerModule {
  static register(config: WorkerConfig, observability: ObservabilityOptions = {}): DynamicModule {
    return {
      module: WorkerModule,
      imports: sharedImports(config, { serviceName: 'worker', ...observability }),
      controllers: [HealthController],
      providers: [
        { provide: WORKER_CONFIG, useValue: config },
        SyncProcessor,
        config.queueLibrary === 'bullmq' ? bullMqSyncConsumer(config) : BullSyncConsumer,
      ],
    };
  }
}
