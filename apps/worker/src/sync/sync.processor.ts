import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { FAILING_REPOSITORY_PREFIX, Repository, SyncRun, type SyncJobData, type SyncRunStatus } from '@commandcenter/domain';
import { CorrelationService } from '@commandcenter/observability';
import type { DataSource } from 'typeorm';
import { WORKER_CONFIG } from '../tokens.js';
import type { WorkerConfig } from '../config.js';

export class SyncFailedError extends Error {}

/** Jobs one worker runs at once. */
export const SYNC_CONCURRENCY = 2;

/** What the sync needs of a job, the same on Bull and BullMQ. */
export interface SyncJob {
  data: SyncJobData;
  /** Attempts made before this one. */
  attemptsMade: number;
}

/** Stands in for the real sync: a wait in the SYNC_WORK_MS range (50 to 500 ms by default), no network. */
function simulatedWorkMs({ min, max }: { min: number; max: number }): number {
  return min + Math.floor(Math.random() * (max - min + 1));
}

/** The sync job itself, whichever queue library hands it over (bull-sync.consumer.ts, bullmq-sync.consumer.ts). */
@Injectable()
export class SyncProcessor {
  private readonly logger = new Logger(SyncProcessor.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    private readonly correlation: CorrelationService,
  ) {}

  async sync(job: SyncJob): Promise<{ status: SyncRunStatus; durationMs: number }> {
    const { repositoryId } = job.data;
    const attempt = job.attemptsMade + 1;
    const started = Date.now();
    const repository = await this.dataSource.getRepository(Repository).findOneBy({ id: repositoryId });
    if (!repository) {
      this.logger.warn(`repository ${repositoryId} is gone, nothing to sync`);
      return { status: 'succeeded', durationMs: 0 };
    }
    this.logger.log(`sync of repository ${repositoryId} started`);
    const workMs = simulatedWorkMs(this.config.syncWorkMs);
    if (workMs > 0) await new Promise((resolve) => setTimeout(resolve, workMs));

    if (repository.name.startsWith(FAILING_REPOSITORY_PREFIX)) {
      const error = new SyncFailedError(`sync of repository ${repositoryId} failed on purpose (name starts with ${FAILING_REPOSITORY_PREFIX})`);
      await this.record(repositoryId, 'failed', Date.now() - started, attempt, error.message);
      throw error;
    }
    const durationMs = Date.now() - started;
    await this.dataSource.transaction(async (manager) => {
      await manager.getRepository(SyncRun).insert(this.run(repositoryId, 'succeeded', durationMs, attempt, null));
      await manager.getRepository(Repository).update({ id: repositoryId }, { lastSyncedAt: new Date() });
    });
    this.logger.log(`repository ${repositoryId} synced in ${durationMs} ms`);
    return { status: 'succeeded', durationMs };
  }

  private async record(repositoryId: string, status: SyncRunStatus, durationMs: number, attempt: number, error: string | null) {
    await this.dataSource.getRepository(SyncRun).insert(this.run(repositoryId, status, durationMs, attempt, error));
  }

  private run(repositoryId: string, status: SyncRunStatus, durationMs: number, attempt: number, error: string | null) {
    return { repositoryId, status, durationMs, attempt, error, requestId: this.correlation.requestId ?? null };
  }
}
