import { ConfigError, parsePort, parseQueueLibrary, requireDatabaseUrl, requireRedisUrl, type QueueLibrary } from '@commandcenter/app-kit';

export { ConfigError };

/** The api's configuration, read from the environment once at start-up (docs/architecture.md, "Runtime contract"). */
export interface ApiConfig {
  databaseUrl: string;
  redisUrl: string;
  port: number;
  nodeEnv: string;
  /** `/api/v1/trigger-test-error` answers 500 on purpose; off in production unless enabled explicitly. */
  testErrorEnabled: boolean;
  httpAdapter: 'express' | 'fastify';
  /** `QUEUE_LIBRARY`: the sync queue on Bull (default) or BullMQ; the worker must use the same. */
  queueLibrary: QueueLibrary;
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): ApiConfig {
  const databaseUrl = requireDatabaseUrl(env);
  const redisUrl = requireRedisUrl(env);
  const port = parsePort(env, 3000);
  const nodeEnv = env.NODE_ENV ?? 'development';
  const explicit = env.OBSERVABILITY_TEST_ERROR_ENABLED;
  if (explicit !== undefined && explicit !== 'true' && explicit !== 'false') {
    throw new ConfigError(`OBSERVABILITY_TEST_ERROR_ENABLED="${explicit}" is not a boolean: use true or false`);
  }
  const testErrorEnabled = explicit !== undefined ? explicit === 'true' : nodeEnv !== 'production';
  const httpAdapter = env.HTTP_ADAPTER ?? 'express';
  if (httpAdapter !== 'express' && httpAdapter !== 'fastify') {
    throw new ConfigError(`HTTP_ADAPTER="${httpAdapter}" must be express or fastify`);
  }
  return { databaseUrl, redisUrl, port, nodeEnv, testErrorEnabled, httpAdapter, queueLibrary: parseQueueLibrary(env) };
}
