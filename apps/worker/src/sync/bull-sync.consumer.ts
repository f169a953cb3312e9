import { InjectQueue, Process, Processor } from '@nestjs/bull';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { REPOSITORY_SYNC_QUEUE, SYNC_JOB, type SyncJobData } from '@commandcenter/domain';
import type { Job, Queue } from 'bull';
import type { WorkerConfig } from '../config.js';
import { WORKER_CONFIG } from '../tokens.js';
import { drainWithin } from './graceful-drain.js';
import { SYNC_CONCURRENCY, SyncProcessor } from './sync.processor.js';

/** The sync queue on Bull (QUEUE_LIBRARY=bull): jobs to SyncProcessor; on SIGTERM, Bull's queue paused locally. */
@Processor(REPOSITORY_SYNC_QUEUE)
@Injectable()
export class BullSyncConsumer implements BeforeApplicationShutdown {
  private readonly logger = new Logger(SyncProcessor.name);

  constructor(
    private readonly processor: SyncProcessor,
    @InjectQueue(REPOSITORY_SYNC_QUEUE) private readonly queue: Queue<SyncJobData>,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
  ) {}

  @Process({ name: SYNC_JOB, concurrency: SYNC_CONCURRENCY })
  sync(job: Job<SyncJobData>) {
    return this.processor.sync(job);
  }

  /** The queue is closed after this hook (by @nestjs/bull), without waiting again if the time ran out. */
  beforeApplicationShutdown(signal?: string): Promise<void> {
    return drainWithin(this.config.shutdownTimeoutMs, this.logger, signal, () => this.queue.pause(true), () => this.queue.close(true));
  }
}
