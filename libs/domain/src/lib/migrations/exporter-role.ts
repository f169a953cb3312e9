import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import type { QueryRunner } from 'typeorm';

/** The role postgres_exporter connects as. */
export const EXPORTER_ROLE = 'postgres_exporter';

/** Creates the role, or updates its password and grants when it exists already. */
export async function ensureExporterRole(queryRunner: QueryRunner, password: string): Promise<void> {
  const [{ exists }] = await queryRunner.query('SELECT count(*) > 0 AS exists FROM pg_roles WHERE rolname = $1', [EXPORTER_ROLE]);
  const [{ superuser }] = await queryRunner.query("SELECT current_setting('is_superuser') = 'on' AS superuser");
  if (superuser) {
    // Keep even the verifier out of the server log (every statement is logged on some servers, ours in tests).
    await queryRunner.query("SET log_statement = 'none'");
    await queryRunner.query('SET log_min_duration_statement = -1');
  }
  try {
    const verb = exists ? 'ALTER' : 'CREATE';
    await execute(queryRunner, `${verb} ROLE %I WITH LOGIN PASSWORD %L`, [EXPORTER_ROLE, scramSha256Verifier(password)]);
  } finally {
    if (superuser) {
      await queryRunner.query('RESET log_statement');
      await queryRunner.query('RESET log_min_duration_statement');
    }
  }
  await execute(queryRunner, 'GRANT pg_monitor TO %I', [EXPORTER_ROLE]);
  await execute(queryRunner, 'GRANT CONNECT ON DATABASE %I TO %I', [await currentDatabase(queryRunner), EXPORTER_ROLE]);
}

/**
 * PostgreSQL's own SCRAM-SHA-256 password format (RFC 5802/7677): the server stores this and never learns the
 * password. NFKC stands in for SASLprep, which it equals for every password without unusual code points.
 */
export function scramSha256Verifier(password: string, iterations = 4096, salt = randomBytes(16)): string {
  const salted = pbkdf2Sync(Buffer.from(password.normalize('NFKC'), 'utf8'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** Builds the statement on the server with format(): identifiers through %I, literals through %L. */
export async function execute(queryRunner: QueryRunner, template: string, values: string[]): Promise<void> {
  const placeholders = values.map((_, i) => `$${i + 2}::text`).join(', ');
  const [{ statement }] = await queryRunner.query(`SELECT format($1::text, ${placeholders}) AS statement`, [template, ...values]);
  await queryRunner.query(statement);
}

export async function currentDatabase(queryRunner: QueryRunner): Promise<string> {
  const [{ name }] = await queryRunner.query('SELECT current_database() AS name');
  return name;
}
