import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateRepositories1764201600000 implements MigrationInterface {
  name = 'CreateRepositories1764201600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE repositories (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(200) NOT NULL,
        url varchar(2048) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_synced_at timestamptz NULL
      )`);
    await queryRunner.query('CREATE INDEX repositories_created_at_idx ON repositories (created_at DESC)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE repositories');
  }
}
