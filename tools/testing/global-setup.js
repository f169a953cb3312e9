// Jest globalSetup: one PostgreSQL and one Redis per test run; their URLs reach the tests through the environment.
import pg from 'pg';
import { SCRAM_ONLY_GROUP, startPostgres, startRedis } from './services.js';

export default async function globalSetup() {
  const [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
  globalThis.__SERVICES__ = [postgres, redis];
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query('CREATE DATABASE commandcenter_test');
  await admin.query(`CREATE ROLE ${SCRAM_ONLY_GROUP} NOLOGIN`);
  await admin.end();
  const databaseUrl = postgres.url.replace(/\/postgres$/, '/commandcenter_test');
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  await db.end();
  process.env.TEST_DATABASE_URL = databaseUrl;
  process.env.TEST_PG_LOG_FILE = postgres.logFile;
  process.env.TEST_REDIS_URL = redis.url;
}
