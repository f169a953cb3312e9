import 'reflect-metadata';
import { type INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { ObservabilityOptions } from '@commandcenter/observability';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { MaxDepthPipe } from './common/max-depth.pipe.js';
import type { ApiConfig } from './config.js';

/** Builds the api on the configured adapter; main.ts and the integration tests share it. */
export async function createApp(config: ApiConfig, observability: ObservabilityOptions = {}): Promise<INestApplication> {
  const adapter = config.httpAdapter === 'fastify' ? new FastifyAdapter({ bodyLimit: 1_048_576 }) : new ExpressAdapter();
  const app = await NestFactory.create(AppModule.register(config, observability), adapter, {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.useGlobalPipes(new MaxDepthPipe(), new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  // Exit 0 after a clean shutdown (and flush pino's buffer) instead of re-raising the signal.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  return app;
}
