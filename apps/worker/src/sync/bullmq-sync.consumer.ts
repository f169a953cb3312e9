import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type Type } from '@nestjs/common';
import { REPOSITORY_SYNC_QUEUE, type SyncJobData } from '@commandcenter/domain';
import type { Job } from 'bullmq';
import type { WorkerConfig } from '../config.js';
import { WORKER_CONFIG } from '../tokens.js';
import { drainWithin } from './graceful-drain.js';
import { SYNC_CONCURRENCY, SyncProcessor } from './sync.processor.js';

/**
 * The sync queue on BullMQ (QUEUE_LIBRARY=bullmq). A class made per configuration: @nestjs/bullmq reads the
 * Worker's options (concurrency, lock and stalled-check times) from the decorator.
 */
export function bullMqSyncConsumer(config: WorkerConfig): Type<unknown> {
  @Processor(REPOSITORY_SYNC_QUEUE, { concurrency: SYNC_CONCURRENCY, lockDuration: config.queueLockMs, stalledInterval: config.queueLockMs })
  @Injectable()
  class BullMqSyncConsumer extends WorkerHost implements BeforeApplicationShutdown {
    private readonly logger = new Logger(SyncProcessor.name);

    constructor(
      private readonly processor: SyncProcessor,
      @Inject(WORKER_CONFIG) private readonly workerConfig: WorkerConfig,
    ) {
      super();
    }

    process(job: Job<SyncJobData>) {
      return this.processor.sync(job);
    }

    /** Worker.close() takes no new job and waits for the active ones; force-closed when the time runs out. */
    beforeApplicationShutdown(signal?: string): Promise<void> {
      return drainWithin(this.workerConfig.shutdownTimeoutMs, this.logger, signal, () => this.worker.close(), () => this.worker.close(true));
    }
  }
  return BullMqSyncConsumer;
}
