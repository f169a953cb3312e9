import { ConfigError, parsePort, parsePositiveInteger, parseQueueLibrary, requireDatabaseUrl, requireRedisUrl, type QueueLibrary } from '@commandcenter/app-kit';

export { ConfigError };

/** The worker's configuration, read from the environment once at start-up. */
export interface WorkerConfig {
  databaseUrl: string;
  redisUrl: string;
  /** Its own HTTP port, for /metrics and /health. */
  port: number;
  /** On SIGTERM, how long active jobs get to finish before the worker exits anyway. */
  shutdownTimeoutMs: number;
  /** Simulated work per sync job, in ms: a random time in [min, max] (0-0: none, for throughput benchmarks). */
  syncWorkMs: { min: number; max: number };
  /**
   * The job lock and stalled-job check interval, in ms: a job whose worker was killed goes back to the queue
   * within about twice this (Bull's and BullMQ's default, 30 s).
   */
  queueLockMs: number;
  /** `QUEUE_LIBRARY`: the sync queue on Bull (default) or BullMQ; the api must use the same. */
  queueLibrary: QueueLibrary;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): WorkerConfig {
  return {
    databaseUrl: requireDatabaseUrl(env),
    redisUrl: requireRedisUrl(env),
    port: parsePort(env, 3001),
    shutdownTimeoutMs: parsePositiveInteger(env, 'SHUTDOWN_TIMEOUT_MS', 10_000),
    syncWorkMs: parseWorkRange(env.SYNC_WORK_MS),
    queueLockMs: parsePositiveInteger(env, 'QUEUE_LOCK_MS', 30_000),
    queueLibrary: parseQueueLibrary(env),
  };
}

/** `SYNC_WORK_MS`: `max` (from 50 ms, or 0 for none) or `min-max`, whole milliseconds. Default 50 to 500. */
function parseWorkRange(raw: string | undefined): { min: number; max: number } {
  if (raw === undefined) return { min: 50, max: 500 };
  const match = /^(\d+)(?:-(\d+))?$/.exec(raw.trim());
  if (match) {
    const [min, max] = match[2] === undefined ? [Math.min(50, Number(match[1])), Number(match[1])] : [Number(match[1]), Number(match[2])];
    if (min <= max) return { min, max };
  }
  throw new ConfigError(`SYNC_WORK_MS="${raw}" is not a number of ms or a range such as 100-2000`);
}
