import 'reflect-metadata';
import { ConfigError, requireDatabaseUrl } from '@commandcenter/app-kit';
import { dataSourceOptions, ensureExporterRole, EXPORTER_ROLE } from '@commandcenter/domain';
import { sqlCommentingClient } from '@commandcenter/observability';
import { DataSource } from 'typeorm';

/** `npm run migrate`: applies pending migrations against DATABASE_URL and says which. */
async function migrate(): Promise<void> {
  const databaseUrl = requireDatabaseUrl(process.env);
  // Every migration statement says where it came from in pg_stat_activity and the server log.
  const Client = sqlCommentingClient({ application: 'api', source: 'migration' });
  const dataSource = new DataSource(dataSourceOptions(databaseUrl, { Client }));
  await dataSource.initialize();
  try {
    if (process.argv.includes('--exporter-role')) {
      // The role migration skips when EXPORTER_PASSWORD is unset; this creates or updates the role afterwards.
      const password = process.env.EXPORTER_PASSWORD;
      if (!password) throw new ConfigError('--exporter-role needs EXPORTER_PASSWORD');
      const runner = dataSource.createQueryRunner();
      try {
        await ensureExporterRole(runner, password);
      } finally {
        await runner.release();
      }
      process.stdout.write(`migrations: role ${EXPORTER_ROLE} is in place\n`);
      return;
    }
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    process.stdout.write(
      applied.length === 0 ? 'migrations: up to date\n' : `migrations: applied ${applied.map((m) => m.name).join(', ')}\n`,
    );
  } finally {
    await dataSource.destroy();
  }
}

migrate().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error);
  process.stderr.write(`migrate failed: ${message}\n`);
  process.exit(1);
});
