// The domain the apps share: entities, migrations (and the exporter role they create), the sync queue's contract.
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
export { CreateExporterRole1764374400000 } from './lib/migrations/1764374400000-create-exporter-role.js';
export { ensureExporterRole, EXPORTER_ROLE, scramSha256Verifier } from './lib/migrations/exporter-role.js';
