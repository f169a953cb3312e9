import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { CreateExporterRole1764374400000, dataSourceOptions, EXPORTER_ROLE } from '@commandcenter/domain';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { SCRAM_ONLY_GROUP } from '../../../tools/testing/services.js';
import { databaseUrl } from './support/api-app.js';

/** A password with everything that breaks naive quoting. */
const PASSWORD = `pa'ss"wo\\rd;$$ -- /* ü`;

/** Logs in as the exporter role over TCP with its password (the harness demands SCRAM for the group). */
async function asExporter<T>(fn: (client: pg.Client) => Promise<T>, password = PASSWORD): Promise<T> {
  const url = new URL(databaseUrl());
  const client = new pg.Client({ host: url.hostname, port: Number(url.port), database: url.pathname.slice(1), user: EXPORTER_ROLE, password });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

describe('exporter role migration', () => {
  let dataSource: DataSource;
  const migration = new CreateExporterRole1764374400000();
  const roleExists = async () =>
    (await dataSource.query('SELECT count(*)::int AS n FROM pg_roles WHERE rolname = $1', [EXPORTER_ROLE]))[0].n === 1;

  beforeAll(async () => {
    dataSource = await new DataSource(dataSourceOptions(databaseUrl())).initialize();
  });
  afterEach(() => {
    delete process.env.EXPORTER_PASSWORD;
  });
  afterAll(async () => {
    const runner = dataSource.createQueryRunner();
    await migration.down(runner);
    await runner.release();
    await dataSource?.destroy();
  });

  it('skips, saying so, when EXPORTER_PASSWORD is unset', async () => {
    const runner = dataSource.createQueryRunner();
    const written: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => written.push(String(chunk)) > 0) as typeof process.stdout.write;
    try {
      await migration.down(runner);
      await migration.up(runner);
    } finally {
      process.stdout.write = write;
      await runner.release();
    }
    expect(await roleExists()).toBe(false);
    expect(written.join('')).toContain('EXPORTER_PASSWORD is not set, skipped the postgres_exporter role');
  });

  it('goes up, down and up again, idempotently, with a password that defeats naive quoting', async () => {
    process.env.EXPORTER_PASSWORD = PASSWORD;
    const runner = dataSource.createQueryRunner();
    try {
      await migration.up(runner);
      await migration.up(runner);
      expect(await roleExists()).toBe(true);
      await migration.down(runner);
      expect(await roleExists()).toBe(false);
      await migration.up(runner);
      expect(await roleExists()).toBe(true);
    } finally {
      await runner.release();
    }
    await dataSource.query(`GRANT ${SCRAM_ONLY_GROUP} TO ${EXPORTER_ROLE}`);
    const [{ verifier }] = await dataSource.query('SELECT rolpassword AS verifier FROM pg_authid WHERE rolname = $1', [EXPORTER_ROLE]);
    expect(verifier).toMatch(/^SCRAM-SHA-256\$4096:/);
    expect(await asExporter(async (c) => (await c.query('SELECT current_user AS who')).rows[0].who)).toBe(EXPORTER_ROLE);
    await expect(asExporter(async () => undefined, 'wrong password')).rejects.toThrow(/password authentication failed/);
  });

  it('can read pg_stat_statements and cannot read the application tables', async () => {
    process.env.EXPORTER_PASSWORD = PASSWORD;
    const runner = dataSource.createQueryRunner();
    await migration.up(runner);
    await runner.release();
    await dataSource.query(`GRANT ${SCRAM_ONLY_GROUP} TO ${EXPORTER_ROLE}`);
    await asExporter(async (client) => {
      const stats = await client.query('SELECT count(*)::int AS n FROM pg_stat_statements');
      expect(stats.rows[0].n).toBeGreaterThan(0);
      const texts = await client.query("SELECT count(*)::int AS n FROM pg_stat_statements WHERE query <> '<insufficient privilege>'");
      expect(texts.rows[0].n).toBeGreaterThan(0);
      await expect(client.query('SELECT * FROM repositories')).rejects.toThrow(/permission denied/);
      await expect(client.query('SELECT * FROM sync_runs')).rejects.toThrow(/permission denied/);
      await expect(client.query('CREATE TABLE exporter_was_here (id int)')).rejects.toThrow(/permission denied/);
    });
  });

  it('never lets the password reach the server log', async () => {
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(process.env.TEST_PG_LOG_FILE!, 'utf8')).not.toContain('pa\'\'ss"wo');
    expect(readFileSync(process.env.TEST_PG_LOG_FILE!, 'utf8')).not.toContain('SCRAM-SHA-256$4096');
  });
});

describe('migration statements', () => {
  it('carry application and source in their sqlcommenter comment', async () => {
    const { readFileSync } = await import('node:fs');
    const log = readFileSync(process.env.TEST_PG_LOG_FILE!, 'utf8');
    expect(log).toMatch(/CREATE TABLE repositories[\s\S]*?\/\*application='api',source='migration'\*\//);
  });
});
