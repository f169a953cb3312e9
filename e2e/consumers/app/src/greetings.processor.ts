import { Process, Processor } from '@nestjs/bull';
import { Logger } from '@nestjs/common';
import { CorrelationService } from '@commandcenter/observability';
import type { Job } from 'bull';
import { DataSource } from 'typeorm';

@Processor('greetings')
export class GreetingsProcessor {
  private readonly logger = new Logger(GreetingsProcessor.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly correlation: CorrelationService,
  ) {}

  @Process('greet')
  async greet(job: Job<{ who: string }>) {
    await this.dataSource.query('SELECT 2 AS two');
    this.logger.log(`greeting ${job.data.who} for ${this.correlation.requestId}`);
  }
}
