// `npm run stack`: the whole stack without Docker, in the foreground. Its own PostgreSQL (55432, pg_stat_statements,
// statement logging) and Redis (56379), migrations, the api (3000) and worker (3001), postgres_exporter (9187),
// node_exporter (9100), Prometheus (9090) with the repo's rules, Alertmanager (9093). Data under tmp/stack/.
// Ctrl-C, or `npm run stack -- down` from another shell, stops everything it started and nothing else; running it
// again while it is up only prints the URLs. Every port is overridable (see PORTS).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startPostgres } from '../testing/services.js';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const dir = join(root, 'tmp/stack');
const stateFile = join(dir, 'state.json');
const env = process.env;
export const PORTS = {
  postgres: Number(env.STACK_PG_PORT ?? 55432),
  redis: Number(env.STACK_REDIS_PORT ?? 56379),
  api: Number(env.PORT ?? 3000),
  worker: Number(env.WORKER_PORT ?? 3001),
  postgresExporter: Number(env.POSTGRES_EXPORTER_PORT ?? 9187),
  nodeExporter: Number(env.NODE_EXPORTER_PORT ?? 9100),
  prometheus: Number(env.PROMETHEUS_PORT ?? 9090),
  alertmanager: Number(env.ALERTMANAGER_PORT ?? 9093),
};
const say = (line) => process.stderr.write(`stack: ${line}\n`);

/** Binary, and the Debian package that brings it. */
const BINARIES = [
  ['redis-server', 'redis-server'],
  ['prometheus', 'prometheus'],
  ['prometheus-alertmanager', 'prometheus-alertmanager'],
  ['prometheus-postgres-exporter', 'prometheus-postgres-exporter'],
  ['prometheus-node-exporter', 'prometheus-node-exporter'],
];

function has(command) {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function ensurePackages() {
  const missing = BINARIES.filter(([bin]) => !has(bin)).map(([, pkg]) => pkg);
  if (!existsSync('/usr/lib/postgresql') && !has('initdb')) missing.push('postgresql', 'postgresql-contrib');
  if (missing.length === 0) return;
  const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  const root = process.getuid?.() === 0;
  if (!root && !has('sudo')) {
    say(`missing system packages; install them with:\n  sudo ${command}`);
    process.exit(1);
  }
  say(`installing ${missing.join(', ')}`);
  execFileSync('sh', ['-c', root ? command : `sudo sh -c '${command}'`], { stdio: 'inherit', env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } });
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readState() {
  try {
    return JSON.parse(readFileSync(stateFile, 'utf8'));
  } catch {
    return undefined;
  }
}

function urls() {
  return [
    `api            http://127.0.0.1:${PORTS.api}  (/api/v1/repositories, /metrics, /health)`,
    `worker         http://127.0.0.1:${PORTS.worker}  (/metrics, /health)`,
    `Prometheus     http://127.0.0.1:${PORTS.prometheus}/alerts`,
    `Alertmanager   http://127.0.0.1:${PORTS.alertmanager}`,
    `PostgreSQL     postgres://postgres@127.0.0.1:${PORTS.postgres}/commandcenter`,
    'stop with Ctrl-C here, or `npm run stack -- down` from another shell',
  ].join('\n  ');
}

/** Stops what the state file names: only processes this script started. */
async function down(state = readState()) {
  if (!state) {
    say('nothing is running');
    return;
  }
  // The apps first, and only then what they use: an app whose Redis or PostgreSQL went away under its shutdown hooks
  // logs errors, and a clean shutdown is silent at error level.
  const processes = Object.entries(state.pids ?? {}).reverse();
  const isApp = ([name]) => name === 'api' || name === 'worker';
  for (const group of [processes.filter(isApp), processes.filter((p) => !isApp(p))]) {
    for (const [name, pid] of group) {
      if (alive(pid)) {
        process.kill(pid, 'SIGTERM');
        say(`stopped ${name}`);
      }
    }
    const deadline = Date.now() + 15_000;
    while (group.some(([, pid]) => alive(pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  }
  if (state.postgresData) {
    try {
      const bin = state.pgBin;
      const args = ['-D', state.postgresData, '-m', 'fast', '-w', 'stop'];
      if (process.getuid?.() === 0) execFileSync('runuser', ['-u', 'postgres', '--', join(bin, 'pg_ctl'), ...args], { stdio: 'ignore' });
      else execFileSync(join(bin, 'pg_ctl'), args, { stdio: 'ignore' });
      say('stopped PostgreSQL');
    } catch {
      // not running
    }
  }
  rmSync(stateFile, { force: true });
}

async function waitHealthy(name, url, check = (res) => res.ok) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if (check(await fetch(url))) {
        say(`${name} is up`);
        return;
      }
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${name} did not become healthy at ${url}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function up() {
  const existing = readState();
  if (existing && Object.values(existing.pids ?? {}).every(alive)) {
    say(`already up:\n  ${urls()}`);
    return;
  }
  if (existing) await down(existing);
  ensurePackages();
  mkdirSync(dir, { recursive: true });
  const state = { pids: {} };
  const started = (name, child) => {
    state.pids[name] = child.pid;
    writeFileSync(stateFile, JSON.stringify(state, null, 2));
  };
  process.on('SIGINT', async () => {
    await down(state);
    process.exit(0);
  });
  process.on('SIGTERM', async () => {
    await down(state);
    process.exit(0);
  });
  const run = (name, command, args, extraEnv = {}) => {
    const child = spawn(command, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: ['ignore', 'inherit', 'inherit'] });
    started(name, child);
    return child;
  };
  const quiet = (name, command, args, extraEnv = {}) => {
    const child = spawn(command, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: 'ignore' });
    started(name, child);
    return child;
  };

  say(`PostgreSQL on 127.0.0.1:${PORTS.postgres} (data in tmp/stack/postgres)`);
  const postgres = await startPostgres({ port: PORTS.postgres, dir: join(dir, 'postgres') });
  state.postgresData = join(dir, 'postgres', 'data');
  state.pgBin = postgres.bin;
  writeFileSync(stateFile, JSON.stringify(state, null, 2));
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  if ((await admin.query("SELECT 1 FROM pg_database WHERE datname = 'commandcenter'")).rowCount === 0) await admin.query('CREATE DATABASE commandcenter');
  await admin.end();
  const databaseUrl = postgres.url.replace(/\/postgres$/, '/commandcenter');
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  await db.end();

  say(`Redis on 127.0.0.1:${PORTS.redis}`);
  quiet('redis', 'redis-server', ['--port', String(PORTS.redis), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);

  say('building the api and the worker');
  execFileSync('npx', ['nx', 'run-many', '-t', 'build', '-p', 'api', 'worker', '--outputStyle=static'], { cwd: root, stdio: 'inherit' });
  const appEnv = { DATABASE_URL: databaseUrl, REDIS_URL: `redis://127.0.0.1:${PORTS.redis}`, EXPORTER_PASSWORD: 'stack-exporter' };
  // For `npm run drill`, which stops and restarts the worker.
  Object.assign(state, { appEnv, ports: PORTS });
  say('migrations');
  execFileSync(process.execPath, [join(root, 'dist/apps/api/migrate.js')], { cwd: root, env: { ...env, ...appEnv }, stdio: 'inherit' });

  run('api', process.execPath, ['--enable-source-maps', 'dist/apps/api/main.js'], { ...appEnv, PORT: String(PORTS.api) });
  run('worker', process.execPath, ['--enable-source-maps', 'dist/apps/worker/main.js'], { ...appEnv, PORT: String(PORTS.worker) });

  const db2 = new URL(databaseUrl);
  quiet('postgres-exporter', 'prometheus-postgres-exporter', [`--web.listen-address=127.0.0.1:${PORTS.postgresExporter}`, `--extend.query-path=${join(root, 'monitoring/postgres-exporter/queries.yaml')}`], {
    DATA_SOURCE_NAME: `postgresql://postgres_exporter:stack-exporter@127.0.0.1:${db2.port}${db2.pathname}?sslmode=disable`,
  });
  quiet('node-exporter', 'prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${PORTS.nodeExporter}`]);

  // The repo's Prometheus configuration and rules, with localhost targets.
  const target = (port) => [`127.0.0.1:${port}`];
  writeFileSync(
    join(dir, 'prometheus.yml'),
    JSON.stringify({
      global: { scrape_interval: '5s', evaluation_interval: '5s' },
      rule_files: [join(root, 'monitoring/prometheus/rules/*.rules.yml')],
      alerting: { alertmanagers: [{ static_configs: [{ targets: target(PORTS.alertmanager) }] }] },
      storage: { exemplars: { max_exemplars: 100000 } },
      scrape_configs: [
        ['api', PORTS.api],
        ['worker', PORTS.worker],
        ['postgres-exporter', PORTS.postgresExporter],
        ['node', PORTS.nodeExporter],
        ['alertmanager', PORTS.alertmanager],
        ['prometheus', PORTS.prometheus],
      ].map(([job, port]) => ({ job_name: job, static_configs: [{ targets: target(port) }] })),
    }),
  );
  // The repo's routing tree; receivers without integrations, since Slack and SMTP secrets are not set locally.
  writeFileSync(
    join(dir, 'alertmanager.yml'),
    JSON.stringify({
      route: { receiver: 'local', group_by: ['alertname', 'service'], group_wait: '5s', group_interval: '30s', repeat_interval: '4h' },
      inhibit_rules: [{ source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ['alertname', 'service'] }],
      receivers: [{ name: 'local' }],
    }),
  );
  quiet('alertmanager', 'prometheus-alertmanager', [
    `--config.file=${join(dir, 'alertmanager.yml')}`,
    `--storage.path=${join(dir, 'alertmanager')}`,
    `--web.listen-address=127.0.0.1:${PORTS.alertmanager}`,
    '--cluster.listen-address=',
  ]);
  quiet('prometheus', 'prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'prometheus')}`,
    // The SLOs' window is 30 days: keep more than that (Prometheus' default is 15 days).
    '--storage.tsdb.retention.time=35d',
    `--web.listen-address=127.0.0.1:${PORTS.prometheus}`,
    '--enable-feature=exemplar-storage',
  ]);

  await waitHealthy('api', `http://127.0.0.1:${PORTS.api}/health`);
  await waitHealthy('worker', `http://127.0.0.1:${PORTS.worker}/health`);
  await waitHealthy('postgres_exporter', `http://127.0.0.1:${PORTS.postgresExporter}/metrics`);
  await waitHealthy('node_exporter', `http://127.0.0.1:${PORTS.nodeExporter}/metrics`);
  await waitHealthy('Alertmanager', `http://127.0.0.1:${PORTS.alertmanager}/-/ready`);
  await waitHealthy('Prometheus', `http://127.0.0.1:${PORTS.prometheus}/-/ready`);
  say(`the stack is up:\n  ${urls()}`);
}

try {
  if (process.argv.includes('down')) await down();
  else await up();
} catch (error) {
  say(`failed: ${error.message}`);
  await down();
  process.exit(1);
}
