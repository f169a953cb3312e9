// What the api and the worker share that is not the domain: configuration parsing, health, the Nest wiring of
// observability, PostgreSQL and Bull, and a timeout helper.
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
export { sharedImports } from './lib/app-imports.js';
export { TimeoutError, withTimeout } from './lib/with-timeout.js';
