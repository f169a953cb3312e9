import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateSyncRuns1764288000000 implements MigrationInterface {
  name = 'CreateSyncRuns1764288000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE sync_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        repository_id uuid NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
        status varchar(16) NOT NULL CHECK (status IN ('succeeded', 'failed')),
        duration_ms integer NOT NULL,
        request_id varchar(128) NULL,
        attempt integer NOT NULL,
        error text NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query('CREATE INDEX sync_runs_repository_created_idx ON sync_runs (repository_id, created_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE sync_runs');
  }
}
