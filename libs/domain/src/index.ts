export { Repository } from './lib/repositories/repository.entity.js';
export { SyncRun, type SyncRunStatus } from './lib/sync-runs/sync-run.entity.js';
export { dataSourceOptions } from './lib/data-source-options.js';
export {
  FAILING_REPOSITORY_PREFIX,
  REPOSITORY_SYNC_QUEUE,
  SYNC_JOB,
  SYNC_JOB_OPTIONS,
  type SyncJobData,
} from './lib/repository-sync.js';
export {
  ConfigError,
  parsePort,
  parsePositiveInteger,
  redisConnectionOptions,
  requireDatabaseUrl,
  requireRedisUrl,
} from './lib/config.js';
export { checkDependencies, type DependencyState, type ReadinessResult } from './lib/health.js';
export { HealthController } from './lib/health.controller.js';
export {
  CreateExporterRole1764374400000,
  ensureExporterRole,
  EXPORTER_ROLE,
  scramSha256Verifier,
} from './lib/migrations/1764374400000-create-exporter-role.js';
export { sharedImports } from './lib/app-imports.js';
