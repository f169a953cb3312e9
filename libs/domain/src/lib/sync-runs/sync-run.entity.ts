import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Repository } from '../repositories/repository.entity.js';

export type SyncRunStatus = 'succeeded' | 'failed';

/** One attempt of the worker at syncing a repository, with the id of the request that asked for it. */
@Entity({ name: 'sync_runs' })
@Index('sync_runs_repository_created_idx', ['repositoryId', 'createdAt'])
export class SyncRun {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'repository_id', type: 'uuid' })
  repositoryId!: string;

  @ManyToOne(() => Repository, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'repository_id' })
  repository?: Repository;

  @Column({ type: 'varchar', length: 16 })
  status!: SyncRunStatus;

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs!: number;

  @Column({ name: 'request_id', type: 'varchar', length: 128, nullable: true })
  requestId!: string | null;

  @Column({ type: 'integer' })
  attempt!: number;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
