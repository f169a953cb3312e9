import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { ConfigError, loadConfig } from './config.js';
import { WorkerModule } from './worker.module.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await NestFactory.create(WorkerModule.register(config), { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(Logger));
  // Exit 0 after a clean shutdown (and flush pino's buffer) instead of re-raising the signal.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  await app.listen(config.port, '0.0.0.0');
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`worker failed to start: ${message}\n`);
  process.exit(1);
});
