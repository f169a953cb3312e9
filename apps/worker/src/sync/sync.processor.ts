import { InjectQueue, Process, Processor } from '@nestjs/bull';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  FAILING_REPOSITORY_PREFIX,
  Repository,
  REPOSITORY_SYNC_QUEUE,
  SYNC_JOB,
  SyncRun,
  type SyncJobData,
  type SyncRunStatus,
} from '@commandcenter/domain';
import { TimeoutError, withTimeout } from '@commandcenter/app-kit';
import { CorrelationService } from '@commandcenter/observability';
import type { Job, Queue } from 'bull';
import type { DataSource } from 'typeorm';
import { WORKER_CONFIG } from '../tokens.js';
import type { WorkerConfig } from '../config.js';

export class SyncFailedError extends Error {}

/** Jobs one worker runs at once. */
const SYNC_CONCURRENCY = 2;

/** Stands in for the real sync: a wait in the SYNC_WORK_MS range (50 to 500 ms by default), no network. */
function simulatedWorkMs({ min, max }: { min: number; max: number }): number {
  return min + Math.floor(Math.random() * (max - min + 1));
}

@Processor(REPOSITORY_SYNC_QUEUE)
@Injectable()
export class SyncProcessor implements BeforeApplicationShutdown {
  private readonly logger = new Logger(SyncProcessor.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(REPOSITORY_SYNC_QUEUE) private readonly queue: Queue<SyncJobData>,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    private readonly correlation: CorrelationService,
  ) {}

  @Process({ name: SYNC_JOB, concurrency: SYNC_CONCURRENCY })
  async sync(job: Job<SyncJobData>): Promise<{ status: SyncRunStatus; durationMs: number }> {
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

  /**
   * SIGTERM: stop taking jobs and give the active ones `shutdownTimeoutMs` to finish; the queue is closed after
   * this hook (by @nestjs/bull), without waiting again if the time ran out.
   */
  async beforeApplicationShutdown(signal?: string): Promise<void> {
    const started = Date.now();
    this.logger.log(`shutting down (${signal ?? 'no signal'}): no new jobs, waiting up to ${this.config.shutdownTimeoutMs} ms for active ones`);
    const drained = await withTimeout(this.queue.pause(true), this.config.shutdownTimeoutMs).then(
      () => true,
      (error: unknown) => {
        if (error instanceof TimeoutError) return false;
        throw error;
      },
    );
    if (!drained) {
      this.logger.warn('active jobs did not finish in time; they will be retried by another worker once their lock expires');
      await this.queue.close(true);
    } else {
      this.logger.log(`active jobs finished in ${Date.now() - started} ms`);
    }
  }

  private async record(repositoryId: string, status: SyncRunStatus, durationMs: number, attempt: number, error: string | null) {
    await this.dataSource.getRepository(SyncRun).insert(this.run(repositoryId, status, durationMs, attempt, error));
  }

  private run(repositoryId: string, status: SyncRunStatus, durationMs: number, attempt: number, error: string | null) {
    return { repositoryId, status, durationMs, attempt, error, requestId: this.correlation.requestId ?? null };
  }
}
