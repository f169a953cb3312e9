import { ConfigError, parseNonNegativeInteger, parsePort, parsePositiveInteger, requireDatabaseUrl, requireRedisUrl } from '@commandcenter/domain';

export { ConfigError };

/** The worker's configuration, read from the environment once at start-up. */
export interface WorkerConfig {
  databaseUrl: string;
  redisUrl: string;
  /** Its own HTTP port, for /metrics and /health. */
  port: number;
  /** On SIGTERM, how long active jobs get to finish before the worker exits anyway. */
  shutdownTimeoutMs: number;
  /** Upper bound of the simulated work per sync job, in ms (0: none, for throughput benchmarks). */
  syncWorkMs: number;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): WorkerConfig {
  return {
    databaseUrl: requireDatabaseUrl(env),
    redisUrl: requireRedisUrl(env),
    port: parsePort(env, 3001),
    shutdownTimeoutMs: parsePositiveInteger(env, 'SHUTDOWN_TIMEOUT_MS', 10_000),
    syncWorkMs: parseNonNegativeInteger(env, 'SYNC_WORK_MS', 500),
  };
}
