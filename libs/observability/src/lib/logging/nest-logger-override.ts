import { Logger as NestLogger, type OnModuleInit } from '@nestjs/common';
import type { Logger as PinoNestLogger } from 'nestjs-pino';

/** Nest's static `Logger` (every `new Logger(context)` in the app) writes through the module's pino logger. */
export class NestLoggerOverride implements OnModuleInit {
  constructor(private readonly pinoNestLogger: PinoNestLogger) {}

  onModuleInit(): void {
    NestLogger.overrideLogger(this.pinoNestLogger);
  }
}
