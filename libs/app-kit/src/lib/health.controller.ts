import { Controller, Get, HttpCode, Inject, ServiceUnavailableException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { checkDependencies } from './health.js';
import { SYNC_QUEUE, type SyncQueue } from './sync-queue.js';
import type { DataSource } from 'typeorm';

/** Readiness of both apps (`/health`: PostgreSQL and Redis each answer within a second) and liveness (`/health/live`). */
@Controller('health')
export class HealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(SYNC_QUEUE) private readonly queue: SyncQueue,
  ) {}

  @Get()
  async ready() {
    const result = await checkDependencies({
      database: () => this.dataSource.query('SELECT 1'),
      redis: () => this.queue.ping(),
    });
    if (result.status !== 'ok') throw new ServiceUnavailableException(result);
    return result;
  }

  @Get('live')
  @HttpCode(200)
  live() {
    return { status: 'ok' };
  }
}
