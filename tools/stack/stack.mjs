// `npm run stack`: the whole local stack without Docker. Its own PostgreSQL (55432) and Redis (56379), the
// database kept under tmp/stack/ across runs, migrations applied, then the api (3000) and the worker (3001) built
// and run in the foreground. Ctrl-C stops everything. Ports: STACK_PG_PORT, STACK_REDIS_PORT, PORT, WORKER_PORT.
import { execFileSync, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startPostgres, startRedis } from '../testing/services.js';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const pgPort = Number(process.env.STACK_PG_PORT ?? 55432);
const redisPort = Number(process.env.STACK_REDIS_PORT ?? 56379);
const apiPort = Number(process.env.PORT ?? 3000);
const workerPort = Number(process.env.WORKER_PORT ?? 3001);
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

function run(name, port, env) {
  const child = spawn(process.execPath, ['--enable-source-maps', join(root, 'dist/apps', name, 'main.js')], {
    cwd: root,
    env: { ...env, PORT: String(port) },
    stdio: 'inherit',
  });
  stoppers.push(
    () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  );
  child.on('exit', (code) => {
    if (!stopping) {
      say(`${name} exited with code ${code}`);
      void stop(code ?? 1);
    }
  });
}

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

  say('building the api and the worker');
  execFileSync('npx', ['nx', 'run-many', '-t', 'build', '-p', 'api', 'worker', '--outputStyle=static'], { cwd: root, stdio: 'inherit' });
  const env = { ...process.env, DATABASE_URL: databaseUrl, REDIS_URL: redis.url };
  execFileSync(process.execPath, [join(root, 'dist/apps/api/migrate.js')], { cwd: root, env, stdio: 'inherit' });

  run('api', apiPort, env);
  run('worker', workerPort, env);
  say(`api on http://127.0.0.1:${apiPort}, worker on http://127.0.0.1:${workerPort} (/metrics, /health); Ctrl-C stops the stack`);
} catch (error) {
  say(`failed: ${error.message}`);
  await stop(1);
}
