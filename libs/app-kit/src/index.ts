// What the api and the worker share that is not the domain: configuration parsing, health, the Nest wiring of
// observability, PostgreSQL and the sync queue (Bull or BullMQ), and a timeout helper.
export {
  bullMqConnection,
  ConfigError,
  parseQueueLibrary,
  parsePort,
  parsePositiveInteger,
  redisConnectionOptions,
  requireDatabaseUrl,
  requireRedisUrl,
  type QueueLibrary,
} from './lib/config.js';
export { SYNC_QUEUE, SyncQueueModule, type QueueConfig, type SyncQueue } from './lib/sync-queue.js';
export { checkDependencies, type DependencyState, type ReadinessResult } from './lib/health.js';
export { HealthController } from './lib/health.controller.js';
export { sharedImports } from './lib/app-imports.js';
export { TimeoutError, withTimeout } from './lib/with-timeout.js';
