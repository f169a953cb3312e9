/** The api's configuration, read from the environment once at start-up (DESIGN.md, runtime contract). */
export interface ApiConfig {
  databaseUrl: string;
  port: number;
  nodeEnv: string;
  /** `/api/v1/trigger-test-error` answers 500 on purpose; off in production unless enabled explicitly. */
  testErrorEnabled: boolean;
  httpAdapter: 'express' | 'fastify';
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): ApiConfig {
  const databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) throw new ConfigError('DATABASE_URL is not set: expected postgres://user:password@host:port/database');
  let parsed: URL;
  try {
    parsed = new URL(databaseUrl);
  } catch {
    throw new ConfigError('DATABASE_URL is not a valid URL: expected postgres://user:password@host:port/database');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new ConfigError(`DATABASE_URL must use postgres:// or postgresql://, not ${parsed.protocol}//`);
  }
  if (!parsed.hostname || parsed.pathname.length <= 1) {
    throw new ConfigError('DATABASE_URL must name a host and a database: postgres://user:password@host:port/database');
  }
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT="${env.PORT}" is not a port number`);
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
  return { databaseUrl, port, nodeEnv, testErrorEnabled, httpAdapter };
}
