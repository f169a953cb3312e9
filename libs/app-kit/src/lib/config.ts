import type { ConnectionOptions } from 'bullmq';
import type { RedisOptions } from 'ioredis';

/** A configuration mistake: the apps print its message as one line and exit 1. */
export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

/** The URL in `env[name]`, which must be set, parse and use one of `protocols` (each without its colon). */
function requireUrl(env: Env, name: string, example: string, protocols: [string, string]): { value: string; url: URL } {
  const value = env[name];
  if (!value) throw new ConfigError(`${name} is not set: expected ${example}`);
  const url = parseUrl(value, name, example);
  if (!protocols.includes(url.protocol.slice(0, -1))) {
    throw new ConfigError(`${name} must use ${protocols[0]}:// or ${protocols[1]}://, not ${url.protocol}//`);
  }
  return { value, url };
}

export function requireDatabaseUrl(env: Env): string {
  const example = 'postgres://user:password@host:port/database';
  const { value, url } = requireUrl(env, 'DATABASE_URL', example, ['postgres', 'postgresql']);
  if (!url.hostname || url.pathname.length <= 1) throw new ConfigError(`DATABASE_URL must name a host and a database: ${example}`);
  return value;
}

export function requireRedisUrl(env: Env): string {
  const { value, url } = requireUrl(env, 'REDIS_URL', 'redis://host:port', ['redis', 'rediss']);
  if (!url.hostname) throw new ConfigError('REDIS_URL must name a host: redis://host:port');
  return value;
}

export function parsePort(env: Env, fallback: number): number {
  const port = Number(env.PORT ?? fallback);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT="${env.PORT}" is not a port number`);
  return port;
}

export function parsePositiveInteger(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  const value = Number(raw ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new ConfigError(`${name}="${raw}" is not a positive whole number`);
  return value;
}

/** Which queue library the apps use for the sync queue: `QUEUE_LIBRARY`, `bull` (default) or `bullmq`. */
export type QueueLibrary = 'bull' | 'bullmq';

export function parseQueueLibrary(env: Env): QueueLibrary {
  const library = env.QUEUE_LIBRARY ?? 'bull';
  if (library !== 'bull' && library !== 'bullmq') throw new ConfigError(`QUEUE_LIBRARY="${library}" must be bull or bullmq`);
  return library;
}

/**
 * BullMQ's connection options: REDIS_URL as it is, reconnects at most a second apart as for Bull; BullMQ sets its
 * workers' retry policy itself (maxRetriesPerRequest: null).
 */
export function bullMqConnection(redisUrl: string): ConnectionOptions {
  return { url: redisUrl, connectTimeout: 2000, retryStrategy: (attempt: number) => Math.min(attempt * 100, 1000) };
}

/**
 * Redis options for Bull connections. A command fails after one reconnect attempt instead of waiting in ioredis'
 * offline queue, and reconnects come at most a second apart: with Redis gone, callers get an error quickly; when
 * it is back, work goes on within a second, without a restart.
 */
export function redisConnectionOptions(): RedisOptions {
  return {
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
  };
}

function parseUrl(value: string, name: string, example: string): URL {
  try {
    return new URL(value);
  } catch {
    throw new ConfigError(`${name} is not a valid URL: expected ${example}`);
  }
}
