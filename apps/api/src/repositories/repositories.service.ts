import { Inject, Injectable, Logger, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository, SyncRun } from '@commandcenter/domain';
import { SYNC_QUEUE, withTimeout, type SyncQueue } from '@commandcenter/app-kit';
import type { Repository as TypeOrmRepository } from 'typeorm';
import type { CreateRepositoryDto } from './dto/create-repository.dto.js';

/** A sync request answers within 2 s even when Redis is gone: the enqueue gets this long, then the api says 503. */
const ENQUEUE_TIMEOUT_MS = 1500;

export type RepositoryView = Repository & { latestSyncRun: SyncRun | null };

@Injectable()
export class RepositoriesService {
  private readonly logger = new Logger(RepositoriesService.name);

  constructor(
    @InjectRepository(Repository) private readonly repositories: TypeOrmRepository<Repository>,
    @InjectRepository(SyncRun) private readonly syncRuns: TypeOrmRepository<SyncRun>,
    @Inject(SYNC_QUEUE) private readonly syncQueue: SyncQueue,
  ) {}

  list(limit: number): Promise<Repository[]> {
    return this.repositories.find({ order: { createdAt: 'DESC' }, take: limit });
  }

  async get(id: string): Promise<RepositoryView> {
    const found = await this.find(id);
    const latestSyncRun = await this.syncRuns.findOne({ where: { repositoryId: id }, order: { createdAt: 'DESC' } });
    return Object.assign(found, { latestSyncRun });
  }

  async create(dto: CreateRepositoryDto): Promise<Repository> {
    const saved = await this.repositories.save(this.repositories.create({ name: dto.name, url: dto.url }));
    this.logger.log(`repository ${saved.id} created`);
    return saved;
  }

  async remove(id: string): Promise<void> {
    const result = await this.repositories.delete({ id });
    if (!result.affected) throw new NotFoundException(`repository ${id} not found`);
    this.logger.log(`repository ${id} deleted`);
  }

  /** Enqueues a sync; the request's id travels with the job (ObservabilityModule stamps it). */
  async requestSync(id: string): Promise<{ jobId: string }> {
    await this.find(id);
    const adding = this.syncQueue.add({ repositoryId: id });
    try {
      const job = await withTimeout(adding, ENQUEUE_TIMEOUT_MS, `enqueue took longer than ${ENQUEUE_TIMEOUT_MS} ms`);
      this.logger.log(`sync of repository ${id} queued as job ${job.id}`);
      return { jobId: String(job.id) };
    } catch (error) {
      this.logger.warn(`sync of repository ${id} not queued: ${error instanceof Error ? error.message : String(error)}`);
      throw new ServiceUnavailableException('the sync queue is unavailable, try again shortly');
    }
  }

  private async find(id: string): Promise<Repository> {
    const found = await this.repositories.findOneBy({ id });
    if (!found) throw new NotFoundException(`repository ${id} not found`);
    return found;
  }
}
