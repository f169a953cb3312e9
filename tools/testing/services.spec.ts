import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { startPostgres, startRedis } from './services.js';

/** One inline command's reply line (PING, SELECT 31, ...). */
function redisCommand(port: number, command = 'PING'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`${command}\r\n`));
    socket.once('data', (d) => {
      resolve(d.toString().trim());
      socket.end();
    });
    socket.on('error', reject);
  });
}

describe('test harness', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env.PG_BIN_DIR = saved.PG_BIN_DIR;
    process.env.REDIS_SERVER_BIN = saved.REDIS_SERVER_BIN;
    if (saved.PG_BIN_DIR === undefined) delete process.env.PG_BIN_DIR;
    if (saved.REDIS_SERVER_BIN === undefined) delete process.env.REDIS_SERVER_BIN;
  });

  it('starts a throwaway PostgreSQL with pg_stat_statements and a log of every statement, and removes it', async () => {
    const postgres = await startPostgres();
    const dir = dirname(postgres.logFile);
    try {
      const client = new pg.Client({ connectionString: postgres.url });
      await client.connect();
      await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      await client.query("SELECT 1 AS harness_marker_42 /* request_id='abc' */");
      const stats = await client.query("SELECT count(*)::int AS n FROM pg_stat_statements WHERE query LIKE '%harness_marker_42%'");
      await client.end();
      expect(stats.rows[0].n).toBeGreaterThanOrEqual(1);
      expect(readFileSync(postgres.logFile, 'utf8')).toContain("SELECT 1 AS harness_marker_42 /* request_id='abc' */");
      expect(postgres.port).not.toBe(5432);
    } finally {
      postgres.stop();
    }
    expect(existsSync(dir)).toBe(false);
  });

  it('starts a throwaway Redis on a free port and stops it', async () => {
    const redis = await startRedis();
    expect(redis.port).not.toBe(6379);
    expect(await redisCommand(redis.port)).toBe('+PONG');
    // redis-server's 16 databases by default: 0 to 15.
    expect(await redisCommand(redis.port, 'SELECT 16')).toMatch(/^-ERR/);
    redis.stop();
  });

  it('starts Redis with more databases when asked (the bench gives every api of its runs one of its own)', async () => {
    const redis = await startRedis({ databases: 40 });
    try {
      expect(await redisCommand(redis.port, 'SELECT 39')).toBe('+OK');
      expect(await redisCommand(redis.port, 'SELECT 40')).toMatch(/^-ERR/);
    } finally {
      redis.stop();
    }
  });

  it('refuses a count of databases that is not a positive whole number, before starting anything', async () => {
    await expect(startRedis({ databases: Number.NaN })).rejects.toThrow('startRedis: databases must be a positive whole number, not NaN');
    await expect(startRedis({ databases: 0 })).rejects.toThrow('not 0');
  });

  it('names the package to install when a binary is missing', async () => {
    process.env.PG_BIN_DIR = '/nonexistent/bin';
    await expect(startPostgres()).rejects.toThrow('apt-get install -y postgresql postgresql-contrib');
    process.env.REDIS_SERVER_BIN = '/nonexistent/redis-server';
    await expect(startRedis()).rejects.toThrow('apt-get install -y redis-server');
  });
});
