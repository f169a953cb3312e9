// The services of the api, comments, exporter and queue scenarios: PostgreSQL (beside the load generator), Redis, and
// two seeded apis, everything on and everything off, that share one history.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, startPostgres, startRedis } from '../testing/services.js';
import { heapFlags, pinning, root, startServer } from './runner.mjs';

export const OFF_FLAGS = Object.fromEntries(
  ['CORRELATION', 'LOGGING', 'ERRORS', 'METRICS', 'QUEUE_PROPAGATION', 'QUERY_COMMENTS'].map((f) => [`OBSERVABILITY_${f}_ENABLED`, 'false']),
);

/**
 * PostgreSQL, Redis and, unless `o.apis` is false, the two shared apis (on and off, seeded). The diagnostics that start
 * apis of their own (api-hooks, api-instructions) pass false: seeding the pair they would stop at once took 6.5 of the
 * 8.3 s this takes here.
 */
export async function startBackends(o) {
  // PostgreSQL beside the load generator on core 1: the process under test keeps core 0 to itself.
  const postgres = await startPostgres({ logStatements: Boolean(o.pgLogStatements), cpus: pinning ? '1' : undefined });
  // `o.redisDatabases`: as many as the caller's apis need (the api scenario's, scenarios/api.mjs); Redis's 16 without it.
  const redis = await startRedis({ databases: o.redisDatabases }).catch((error) => {
    postgres.stop();
    throw error;
  });
  try {
    return await startApis(o, postgres, redis, heapFlags(o.semiSpace));
  } catch (error) {
    // PostgreSQL runs detached (pg_ctl): a failed start-up must not leave it, or Redis, behind.
    redis.stop();
    postgres.stop();
    throw error;
  }
}

/**
 * An api on a new database `database` (migrated), seeded with 50 repositories through its own POST route. Every api
 * of a comparison is made this way, so that all share one history: what a process served before the measured load
 * decides what V8 optimised, and one run measured seeded processes 13 to 21 µs per GET slower than fresh ones (a
 * second run, two processes per history, found no difference: docs/performance.md).
 */
async function startSeededApi(postgres, database, label, env, entry, nodeArgs) {
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  const databaseUrl = postgres.url.replace(/\/postgres$/, `/${database}`);
  execFileSync(process.execPath, [join(root, 'dist/apps/api/migrate.js')], { env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: 'pipe' });
  const api = await startApi(label, { ...env, DATABASE_URL: databaseUrl }, entry, nodeArgs);
  const repositories = [];
  try {
    for (let i = 0; i < 50; i++) {
      const res = await fetch(`http://127.0.0.1:${api.port}/api/v1/repositories`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: `bench-repo-${i}`, url: `https://git.example.com/bench/repo-${i}.git` }),
      });
      if (res.status !== 201) throw new Error(`seeding ${label} failed: ${res.status} ${await res.text()}`);
      repositories.push((await res.json()).id);
    }
  } catch (error) {
    await api.stop();
    throw error;
  }
  return Object.assign(api, { databaseUrl, repositories });
}

/**
 * The built api on a free port, with its database, Redis and feature flags in `env`; ready once /health answers.
 * `entry`: another build of it (api-hooks.mjs's), beside dist/apps/api/main.js; `nodeArgs`: node's own, before it.
 */
async function startApi(label, env, entry = join(root, 'dist/apps/api/main.js'), nodeArgs = []) {
  const port = await freePort();
  return startServer(`api (${label})`, process.execPath, [...nodeArgs, entry], {
    env: { PORT: String(port), LOG_LEVEL: 'info', ...env },
    readyUrl: `http://127.0.0.1:${port}/health`,
  });
}

async function startApis(o, postgres, redis, nodeArgs) {
  // `db(n)`: for apis a scenario starts itself (the api scenario's, from 5 up); BullMQ's rounds use 3 and 4.
  const redisUrl = { on: `${redis.url}/1`, off: `${redis.url}/2`, db: (n) => `${redis.url}/${n}` };
  const db = {};
  const apis = {};
  const repositories = {};
  for (const variant of o.apis === false ? [] : ['on', 'off']) {
    const api = await startSeededApi(postgres, `bench_${variant}`, `observability ${variant}`, { REDIS_URL: redisUrl[variant], ...(variant === 'off' ? OFF_FLAGS : {}) }, undefined, nodeArgs);
    db[variant] = api.databaseUrl;
    apis[variant] = api;
    repositories[variant] = api.repositories;
  }
  return {
    db,
    redisUrl,
    apis,
    repositories,
    /** One more api on a database of its own, seeded like the others (and with `o.semiSpace`'s young generation). */
    startSeededApi: (database, label, env, entry, more = []) => startSeededApi(postgres, database, label, env, entry, [...nodeArgs, ...more]),
    async stopApis() {
      for (const api of Object.values(apis)) await api.stop();
    },
    async stop() {
      await this.stopApis();
      redis.stop();
      postgres.stop();
    },
  };
}
