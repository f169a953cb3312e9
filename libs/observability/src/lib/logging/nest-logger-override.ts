import { Logger as NestLogger, type LoggerService, type OnModuleInit } from '@nestjs/common';

/** Nest's static `Logger` (every `new Logger(context)` in the app) writes through the module's pino logger (nest-lines.ts). */
export class NestLoggerOverride implements OnModuleInit {
  constructor(private readonly logger: LoggerService) {}

  onModuleInit(): void {
    NestLogger.overrideLogger(this.logger);
  }
}
