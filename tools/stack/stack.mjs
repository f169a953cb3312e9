// `npm run stack`: the whole local stack without Docker. Its own PostgreSQL (55432) and Redis (56379), kept
// under tmp/stack/ across runs, migrations applied, then the api (3000) built and run in the foreground.
// Ctrl-C stops everything. Ports: STACK_PG_PORT, STACK_REDIS_PORT, PORT.
import { execFileSync, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startPostgres, startRedis } from '../testing/services.js';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const pgPort = Number(process.env.STACK_PG_PORT ?? 55432);
const redisPort = Number(process.env.STACK_REDIS_PORT ?? 56379);
const apiPort = Number(process.env.PORT ?? 3000);
const say = (line) => process.stderr.write(`stack: ${line}\n`);

const stoppers = [];
let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const s of stoppers.reverse()) {
    try {
      await s();
    } catch (error) {
      say(`stopping failed: ${error.message}`);
    }
  }
  process.exit(code);
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

try {
  say(`PostgreSQL on 127.0.0.1:${pgPort} (data in tmp/stack/postgres)`);
  const postgres = await startPostgres({ port: pgPort, dir: join(root, 'tmp/stack/postgres') });
  stoppers.push(() => postgres.stop());
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = 'commandcenter'");
  if (rowCount === 0) await admin.query('CREATE DATABASE commandcenter');
  await admin.end();
  const databaseUrl = postgres.url.replace(/\/postgres$/, '/commandcenter');

  say(`Redis on 127.0.0.1:${redisPort}`);
  const redis = await startRedis({ port: redisPort });
  stoppers.push(() => redis.stop());

  say('building the api');
  execFileSync('npx', ['nx', 'run', 'api:build', '--outputStyle=static'], { cwd: root, stdio: 'inherit' });
  const env = { ...process.env, DATABASE_URL: databaseUrl, REDIS_URL: redis.url, PORT: String(apiPort) };
  execFileSync(process.execPath, [join(root, 'dist/apps/api/migrate.js')], { cwd: root, env, stdio: 'inherit' });

  say(`api on http://127.0.0.1:${apiPort} (metrics at /metrics, health at /health); Ctrl-C stops the stack`);
  const api = spawn(process.execPath, ['--enable-source-maps', join(root, 'dist/apps/api/main.js')], { cwd: root, env, stdio: 'inherit' });
  stoppers.push(
    () =>
      new Promise((resolve) => {
        if (api.exitCode !== null) return resolve();
        api.once('exit', resolve);
        api.kill('SIGTERM');
      }),
  );
  api.on('exit', (code) => {
    if (!stopping) {
      say(`api exited with code ${code}`);
      void stop(code ?? 1);
    }
  });
} catch (error) {
  say(`failed: ${error.message}`);
  await stop(1);
}
