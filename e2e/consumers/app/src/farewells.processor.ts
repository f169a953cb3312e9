import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { CorrelationService } from '@commandcenter/observability';
import type { Job } from 'bullmq';
import { DataSource } from 'typeorm';

/** The team's BullMQ queue beside its Bull one: the same context in the processor. */
@Processor('farewells')
export class FarewellsProcessor extends WorkerHost {
  private readonly logger = new Logger(FarewellsProcessor.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly correlation: CorrelationService,
  ) {
    super();
  }

  async process(job: Job<{ who: string }>) {
    await this.dataSource.query('SELECT 3 AS three');
    this.logger.log(`farewell to ${job.data.who} for ${this.correlation.requestId}`);
  }
}
