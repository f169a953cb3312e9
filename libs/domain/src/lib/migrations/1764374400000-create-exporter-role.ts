import type { MigrationInterface, QueryRunner } from 'typeorm';
import { currentDatabase, ensureExporterRole, execute, EXPORTER_ROLE } from './exporter-role.js';

/**
 * The exporter's role, with least privilege: membership of `pg_monitor` (statistics views, pg_stat_statements) and
 * CONNECT on this database, nothing on the application's tables. Idempotent. The password comes from
 * EXPORTER_PASSWORD and never appears in SQL: the client sends a SCRAM-SHA-256 verifier made from it, quoted by the
 * server (format %L), with statement logging off for that statement where the migrating role may turn it off.
 */
export class CreateExporterRole1764374400000 implements MigrationInterface {
  name = 'CreateExporterRole1764374400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const password = process.env.EXPORTER_PASSWORD;
    if (!password) {
      process.stdout.write(
        `migration ${this.name}: EXPORTER_PASSWORD is not set, skipped the ${EXPORTER_ROLE} role ` +
          '(set it and run `npm run migrate -- --exporter-role` to create it later)\n',
      );
      return;
    }
    await ensureExporterRole(queryRunner, password);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const [{ exists }] = await queryRunner.query('SELECT count(*) > 0 AS exists FROM pg_roles WHERE rolname = $1', [EXPORTER_ROLE]);
    if (!exists) return;
    await execute(queryRunner, 'REVOKE CONNECT ON DATABASE %I FROM %I', [await currentDatabase(queryRunner), EXPORTER_ROLE]);
    await execute(queryRunner, 'DROP ROLE %I', [EXPORTER_ROLE]);
  }
}
