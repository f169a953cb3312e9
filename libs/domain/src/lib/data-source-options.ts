import type { DataSourceOptions } from 'typeorm';
import { CreateRepositories1764201600000 } from './migrations/1764201600000-create-repositories.js';
import { CreateSyncRuns1764288000000 } from './migrations/1764288000000-create-sync-runs.js';
import { CreateExporterRole1764374400000 } from './migrations/1764374400000-create-exporter-role.js';
import { Repository } from './repositories/repository.entity.js';
import { SyncRun } from './sync-runs/sync-run.entity.js';

/**
 * Entities and migrations are listed, not globbed, so the bundled apps find them. `extra` goes to the pg pool:
 * the apps pass their `Client` there (the sqlcommenter client of @commandcenter/observability).
 */
export function dataSourceOptions(databaseUrl: string, extra: Record<string, unknown> = {}): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: [Repository, SyncRun],
    migrations: [CreateRepositories1764201600000, CreateSyncRuns1764288000000, CreateExporterRole1764374400000],
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    extra: { max: 10, connectionTimeoutMillis: 5000, ...extra },
  };
}
