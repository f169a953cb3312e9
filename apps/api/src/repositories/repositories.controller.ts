import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { CorrelationService } from '@commandcenter/observability';
import { CreateRepositoryDto } from './dto/create-repository.dto.js';
import { RepositoriesService, type RepositoryView } from './repositories.service.js';
import type { Repository } from '@commandcenter/domain';

@Controller('api/v1/repositories')
export class RepositoriesController {
  constructor(
    private readonly repositories: RepositoriesService,
    private readonly correlation: CorrelationService,
  ) {}

  @Get()
  list(@Query('limit') limit?: string): Promise<Repository[]> {
    const n = Number(limit ?? 50);
    return this.repositories.list(Number.isInteger(n) && n > 0 ? Math.min(n, 200) : 50);
  }

  @Post()
  create(@Body() dto: CreateRepositoryDto): Promise<Repository> {
    return this.repositories.create(dto);
  }

  @Get(':id')
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<RepositoryView> {
    return this.repositories.get(id);
  }

  @Post(':id/sync')
  @HttpCode(202)
  async sync(@Param('id', new ParseUUIDPipe()) id: string): Promise<{ jobId: string; request_id: string | undefined }> {
    const { jobId } = await this.repositories.requestSync(id);
    return { jobId, request_id: this.correlation.requestId };
  }

  @Delete(':id')
  @HttpCode(204)
  remove(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.repositories.remove(id);
  }
}
