import { InjectQueue } from '@nestjs/bull';
import { Controller, Get, HttpCode, ServiceUnavailableException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { checkDependencies } from './health.js';
import { REPOSITORY_SYNC_QUEUE } from '@commandcenter/domain';
import type { Queue } from 'bull';
import type { DataSource } from 'typeorm';

/** Readiness of both apps (`/health`: PostgreSQL and Redis each answer within a second) and liveness (`/health/live`). */
@Controller('health')
export class HealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(REPOSITORY_SYNC_QUEUE) private readonly queue: Queue,
  ) {}

  @Get()
  async ready() {
    const result = await checkDependencies({
      database: () => this.dataSource.query('SELECT 1'),
      redis: () => this.queue.client.ping(),
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
