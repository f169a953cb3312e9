import { type DynamicModule, Module } from '@nestjs/common';
import { HealthController, sharedImports } from '@commandcenter/app-kit';
import type { ObservabilityOptions } from '@commandcenter/observability';
import type { ApiConfig } from './config.js';
import { TriggerTestErrorController } from './debug/trigger-test-error.controller.js';
import { RepositoriesModule } from './repositories/repositories.module.js';

@Module({})
export class AppModule {
  static register(config: ApiConfig, observability: ObservabilityOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [...sharedImports(config, { serviceName: 'api', ...observability }), RepositoriesModule],
      controllers: [HealthController, ...(config.testErrorEnabled ? [TriggerTestErrorController] : [])],
    };
  }
}
