import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository as TypeOrmRepository } from 'typeorm';
import type { CreateRepositoryDto } from './dto/create-repository.dto.js';
import { Repository } from '@commandcenter/domain';

@Injectable()
export class RepositoriesService {
  private readonly logger = new Logger(RepositoriesService.name);

  constructor(@InjectRepository(Repository) private readonly repositories: TypeOrmRepository<Repository>) {}

  list(limit: number): Promise<Repository[]> {
    return this.repositories.find({ order: { createdAt: 'DESC' }, take: limit });
  }

  async get(id: string): Promise<Repository> {
    const found = await this.repositories.findOneBy({ id });
    if (!found) throw new NotFoundException(`repository ${id} not found`);
    return found;
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
}
