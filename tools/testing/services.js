// The one test harness for real services: a throwaway PostgreSQL (initdb into a temp dir, a free port,
// pg_stat_statements, every statement logged to a file) and a throwaway Redis, never the machine's own servers.
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function which(command) {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const PG_HINT = 'apt-get install -y postgresql postgresql-contrib';
/** Members of this role must authenticate with a password over TCP (see startPostgres). */
export const SCRAM_ONLY_GROUP = 'scram_only';
const REDIS_HINT = 'apt-get install -y redis-server';

function pgBinDir() {
  const explicit = process.env.PG_BIN_DIR;
  if (explicit) {
    if (existsSync(join(explicit, 'initdb')) && existsSync(join(explicit, 'pg_ctl'))) return explicit;
    throw new Error(`PG_BIN_DIR=${explicit} holds no initdb and pg_ctl: ${PG_HINT}, or point PG_BIN_DIR at their folder`);
  }
  const candidates = [];
  if (existsSync('/usr/lib/postgresql')) {
    const versions = readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  }
  const onPath = which('pg_ctl');
  if (onPath) candidates.push(join(onPath, '..'));
  const dir = candidates.find((d) => existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl')));
  if (!dir) {
    throw new Error(`PostgreSQL server binaries (initdb, pg_ctl) not found: ${PG_HINT} (or set PG_BIN_DIR)`);
  }
  return dir;
}

/** initdb refuses to run as root: run the cluster as the postgres user, on a directory it owns. */
function asPostgres(bin, args, cpus) {
  const command = process.getuid?.() !== 0 ? [bin, ...args] : ['runuser', '-u', 'postgres', '--', bin, ...args];
  // The server's processes inherit the CPU affinity of pg_ctl.
  if (cpus) command.unshift('taskset', '-c', cpus);
  return execFileSync(command[0], command.slice(1), { stdio: 'pipe' });
}

/**
 * Starts a PostgreSQL cluster of its own. Default: a throwaway one in a temp dir on a free port, removed on stop.
 * With `dir`, the cluster lives there and survives stops (the local stack); with `port`, it listens there.
 * `logStatements: false` leaves out the statement log (benchmarks: it costs each statement a write); `cpus` ('1')
 * pins the server to those cores (benchmarks).
 */
export async function startPostgres({ port: wantedPort, dir: keepDir, logStatements = true, cpus } = {}) {
  const bin = pgBinDir();
  const dir = keepDir ?? mkdtempSync(join(tmpdir(), 'cc-pg-'));
  mkdirSync(dir, { recursive: true });
  const data = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const port = wantedPort ?? (await freePort());
  if (!existsSync(join(data, 'PG_VERSION'))) {
    asPostgres(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    // Trust for everyone, except members of the group SCRAM_ONLY_GROUP: they must log in with their password,
    // so a test can prove a role's password really works.
    writeFileSync(
      join(data, 'pg_hba.conf'),
      [
        'local all all trust',
        `host all +${SCRAM_ONLY_GROUP} 127.0.0.1/32 scram-sha-256`,
        'host all all 127.0.0.1/32 trust',
        'host all all ::1/128 trust',
        '',
      ].join('\n'),
    );
  }
  const settings = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dir}`,
    '-c shared_preload_libraries=pg_stat_statements',
    `-c log_min_duration_statement=${logStatements ? 0 : -1}`,
    '-c track_activity_query_size=16384',
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
  ].join(' ');
  const start = () => asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-o', settings, '-l', logFile, '-w', '-t', '60', 'start'], cpus);
  const halt = () => asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
  start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    port,
    logFile,
    bin,
    /** Stops the server (fast shutdown: sessions are cut), keeping its data for `restart()`: an outage. */
    halt,
    /** Starts a halted server again, same port, same data. */
    restart: start,
    stop() {
      try {
        asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-m', keepDir ? 'fast' : 'immediate', '-w', 'stop']);
      } catch (error) {
        // Already halted is fine; anything else is worth knowing.
        if (!/server running/i.test(String(error?.stderr ?? error))) throw error;
      } finally {
        if (!keepDir) rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export async function startRedis({ port: wantedPort, databases } = {}) {
  if (databases !== undefined && !(Number.isInteger(databases) && databases > 0)) throw new Error(`startRedis: databases must be a positive whole number, not ${databases}`);
  const bin = process.env.REDIS_SERVER_BIN || which('redis-server');
  if (!bin || !existsSync(bin)) throw new Error(`redis-server not found: ${REDIS_HINT} (or set REDIS_SERVER_BIN)`);
  const port = wantedPort ?? (await freePort());
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'];
  if (databases !== undefined) args.push('--databases', String(databases));
  const child = spawn(bin, args, {
    stdio: 'ignore',
  });
  const url = `redis://127.0.0.1:${port}`;
  await waitForPort(port, child);
  return {
    url,
    port,
    stop() {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
    },
    /** Freezes the server: connections stay open, commands get no answer (a Redis that hangs). */
    pause() {
      child.kill('SIGSTOP');
    },
    resume() {
      child.kill('SIGCONT');
    },
  };
}

/**
 * A throwaway Redis Cluster of `masters` masters and no replicas (the same redis-server binary, each node in its own
 * temp dir, bus ports chosen free rather than port + 10000), created with `redis-cli --cluster create`; resolves once
 * every node reports cluster_state:ok.
 */
export async function startRedisCluster({ masters = 3 } = {}) {
  const bin = process.env.REDIS_SERVER_BIN || which('redis-server');
  const cli = which('redis-cli');
  if (!bin || !existsSync(bin) || !cli) throw new Error(`redis-server and redis-cli not found: ${REDIS_HINT}`);
  const dir = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
  const nodes = [];
  const children = [];
  const stop = () => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) {
      const [port, busPort] = [await freePort(), await freePort()];
      const nodeDir = join(dir, String(port));
      mkdirSync(nodeDir);
      const args = ['--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1', '--cluster-enabled', 'yes'];
      args.push('--cluster-config-file', 'nodes.conf', '--dir', nodeDir, '--save', '', '--appendonly', 'no', '--daemonize', 'no');
      const child = spawn(bin, args, { stdio: 'ignore' });
      children.push(child);
      await waitForPort(port, child);
      nodes.push({ host: '127.0.0.1', port });
    }
    execFileSync(cli, ['--cluster', 'create', ...nodes.map((n) => `${n.host}:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], {
      stdio: 'ignore',
      timeout: 30_000,
    });
    const deadline = Date.now() + 20_000;
    const ok = (n) => execFileSync(cli, ['-p', String(n.port), 'cluster', 'info'], { encoding: 'utf8' }).includes('cluster_state:ok');
    while (!nodes.every(ok)) {
      if (Date.now() > deadline) throw new Error('the Redis Cluster did not reach cluster_state:ok within 20 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (error) {
    stop();
    throw error;
  }
  return { nodes, stop };
}

/**
 * A throwaway Redis behind one Sentinel (the same redis-server binary with `--sentinel`) that monitors it as `name`;
 * resolves once the Sentinel answers with the master's address.
 */
export async function startRedisSentinel({ name = 'observability' } = {}) {
  const bin = process.env.REDIS_SERVER_BIN || which('redis-server');
  const cli = which('redis-cli');
  if (!bin || !existsSync(bin) || !cli) throw new Error(`redis-server and redis-cli not found: ${REDIS_HINT}`);
  const master = await startRedis();
  const dir = mkdtempSync(join(tmpdir(), 'redis-sentinel-'));
  const port = await freePort();
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(conf, `port ${port}\nbind 127.0.0.1\ndir ${dir}\nsentinel monitor ${name} 127.0.0.1 ${master.port} 1\n`);
  const child = spawn(bin, [conf, '--sentinel'], { stdio: 'ignore' });
  const stop = () => {
    child.kill('SIGKILL');
    master.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, child);
    const deadline = Date.now() + 10_000;
    const address = () => execFileSync(cli, ['-p', String(port), 'sentinel', 'get-master-addr-by-name', name], { encoding: 'utf8' });
    while (!address().includes(String(master.port))) {
      if (Date.now() > deadline) throw new Error(`the Sentinel did not report master ${name} within 10 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (error) {
    stop();
    throw error;
  }
  return { sentinels: [{ host: '127.0.0.1', port }], name, masterPort: master.port, stop };
}

async function waitForPort(port, child) {
  const { connect } = await import('node:net');
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    const ok = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not listen on ${port} within 10 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
