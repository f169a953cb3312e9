import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RepositoriesController } from './repositories.controller.js';
import { RepositoriesService } from './repositories.service.js';
import { Repository, REPOSITORY_SYNC_QUEUE, SyncRun } from '@commandcenter/domain';

@Module({
  imports: [TypeOrmModule.forFeature([Repository, SyncRun]), BullModule.registerQueue({ name: REPOSITORY_SYNC_QUEUE })],
  controllers: [RepositoriesController],
  providers: [RepositoriesService],
})
export class RepositoriesModule {}
