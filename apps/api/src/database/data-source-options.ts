import type { DataSourceOptions } from 'typeorm';
import { Repository } from '../repositories/repository.entity.js';
import { CreateRepositories1764201600000 } from './migrations/1764201600000-create-repositories.js';

/** Entities and migrations are listed, not globbed, so the bundled build finds them. */
export function dataSourceOptions(databaseUrl: string): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: [Repository],
    migrations: [CreateRepositories1764201600000],
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    extra: { max: 10, connectionTimeoutMillis: 5000 },
  };
}
