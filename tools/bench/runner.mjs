// What every scenario uses: servers started pinned to a core, CPU time from /proc, alternated rounds, options (the
// load put on the servers is load.mjs's; the PostgreSQL, Redis and api processes of the database scenarios are
// backends.mjs's).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

export const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

export function which(command) {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export const pinning = availableParallelism() >= 2 && which('taskset');
/** Command prefix that pins a process to one core (server on 0, load generator on 1). */
export const pin = (core) => (pinning ? ['taskset', '-c', String(core)] : []);

/**
 * Node's arguments for a process under measurement: a young generation of a fixed size (`semiSpaceMB` per
 * semi-space; 0 or none: V8's own sizing and memory reducer). In alternated rounds every process idles while the
 * others run, which a busy server never does, and V8 takes the idle spell for a chance to give memory back: it
 * shrinks the young generation (down to 1 MB, grown back in steps under load, scavenging more meanwhile) and its
 * memory reducer runs full collections that shrink it again (two to three times the major collection per request of
 * a run without it). The processes this happened to read the slowest of their build (docs/performance-log.md,
 * "Sixteenth look" and "Twenty-seventh look"). So every variant runs as a busy server: the size fixed, the memory
 * reducer off.
 */
export const heapFlags = (semiSpaceMB) =>
  semiSpaceMB > 0
    ? [`--min-semi-space-size=${semiSpaceMB}`, `--max-semi-space-size=${semiSpaceMB}`, '--no-memory-reducer']
    : [];

/**
 * A number option of the scripts: `given` (its text, if any), else `fallback`; it must be finite and 0 or more (above 0
 * with `positive`), and whole with `whole`, or the error names `--name` and what was given.
 */
export function numberOption(name, given, fallback, { positive = false, whole = false, note = '' } = {}) {
  const value = Number(given ?? fallback);
  const fits = Number.isFinite(value) && (positive ? value > 0 : value >= 0) && (!whole || Number.isInteger(value));
  if (!fits) throw new Error(`--${name} must be a ${whole ? 'whole ' : ''}number${positive ? ' above 0' : ', 0 or more'}${note}; got ${given}`);
  return value;
}

/** The scripts' `--semi-space=MB` (`given`: its text, if any): 64 by default, what the api's processes grow to here. */
export const semiSpaceOption = (given) => numberOption('semi-space', given, 64, { whole: true, note: " (MB; 0: V8's own sizing and memory reducer)" });

/** A comma-separated list option of the scripts (`given`: its text, if any), else `fallback`'s items. */
export const listOption = (given, fallback) => String(given ?? fallback).split(',').filter(Boolean);

/** The scripts' `--adapters=` (`given`: its text, if any): express, fastify, or both by default. */
export function adaptersOption(given) {
  const adapters = listOption(given, 'express,fastify');
  for (const a of adapters) if (a !== 'express' && a !== 'fastify') throw new Error(`--adapters: express or fastify, not ${a}`);
  return adapters;
}

/** The bench app a script runs: `given` (`--app`, a copy of another build's dist/tools/bench/bench-app.js), else this build's. */
export function benchAppOption(given) {
  const app = resolve(root, given ?? 'dist/tools/bench/bench-app.js');
  if (!existsSync(app)) throw new Error(`--app=${given ?? ''}: no bench app at ${app} (npx nx run bench:build)`);
  return app;
}

/** Node's arguments that load OpenTelemetry's auto-instrumentation (otel.mjs) into the bench app's `otel` variants. */
export const otelPreload = (variant) => (variant.startsWith('otel') ? ['--import', join(root, 'tools/bench/otel.mjs')] : []);

/** Every child process started here, killed when the bench exits. */
export const children = new Set();
function cleanup() {
  for (const child of children) child.kill('SIGKILL');
}
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

/**
 * Spawns a server and resolves once it prints `{"ready":port}` on stderr (or answers `readyUrl`).
 * @param {string} name
 * @param {string} command
 * @param {string[]} args
 * @param {{ env?: Record<string, string>, core?: number, readyUrl?: string, timeoutMs?: number, stdout?: number }} [options]
 *   stdout: a file descriptor for the server's standard output (else it is discarded)
 */
export async function startServer(name, command, args, { env = {}, core = 0, readyUrl, timeoutMs = 60_000, stdout } = {}) {
  const [cmd, ...rest] = [...pin(core), command, ...args];
  const spawnedAt = performance.now();
  const child = spawn(cmd, rest, { env: { ...process.env, NODE_ENV: 'production', ...env }, stdio: ['ignore', stdout ?? 'ignore', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let stderr = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${timeoutMs / 1000} s:\n${stderr}`)), timeoutMs);
    child.on('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready:\n${stderr}`)));
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderr += `${line}\n`;
      try {
        const msg = JSON.parse(line);
        if (msg.ready) {
          clearTimeout(timer);
          resolve(msg.ready);
        }
      } catch {
        /* not ours */
      }
    });
    if (readyUrl) {
      const poll = async () => {
        try {
          const res = await fetch(readyUrl);
          if (res.ok) {
            clearTimeout(timer);
            return resolve(new URL(readyUrl).port);
          }
        } catch {
          /* not yet */
        }
        if (child.exitCode === null) setTimeout(poll, 200);
      };
      void poll();
    }
  });
  return {
    name,
    port: Number(port),
    child,
    /** performance.now() when the process was spawned. */
    spawnedAt,
    stderr: () => stderr,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', resolve);
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  };
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux
/** User and system time a process has used so far, in seconds, from /proc/<pid>/stat (in ticks of USER_HZ). */
function modeSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { user: Number(fields[11]) / TICKS_PER_SECOND, system: Number(fields[12]) / TICKS_PER_SECOND };
}

/** CPU time (user + system) a process has used so far, in seconds, from /proc; undefined where there is none. */
export function cpuSeconds(pid) {
  try {
    const { user, system } = modeSeconds(pid);
    return user + system;
  } catch {
    return undefined;
  }
}

/**
 * CPU time of a process so far, in µs: by thread from schedstat (nanoseconds), every thread's (`all`) and the main
 * thread's alone (`main`; the others compile and collect garbage in the background), and by mode from /proc's ticks
 * (`user`, `system`: in the kernel on the process's behalf, system calls and faults).
 */
export function cpuMicros(pid) {
  let all = 0;
  let main = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      const ns = Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
      all += ns;
      if (Number(task) === pid) main = ns;
    } catch {
      // a thread that ended meanwhile
    }
  }
  const { user, system } = modeSeconds(pid);
  return { all: all / 1e3, main: main / 1e3, user: user * 1e6, system: system * 1e6 };
}

/** Runs `measure(variant)` for every variant, rounds times, rotating the order; returns samples per variant. */
export async function alternate(variants, rounds, measure) {
  const samples = Object.fromEntries(variants.map((v) => [v, []]));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < variants.length; i++) {
      const variant = variants[(i + r) % variants.length];
      samples[variant].push(await measure(variant, r));
    }
  }
  return samples;
}

/**
 * Sends `jobs` sync jobs through the api on `port` (POST /api/v1/repositories/:id/sync, 8 at a time, over the
 * repository `ids` in turn) and waits until the sync runs the worker wrote (read through the pg `client` of its
 * database) have grown by as many; resolves with the seconds it took, end to end. The count is a scan of a table
 * that grows by every job, on PostgreSQL's core: it is read again after half the time the jobs still missing would
 * take at the round's pace so far (5 ms at least), rather than every 5 ms throughout.
 */
export async function sendSyncJobs({ port, ids, jobs, client, label }) {
  const runs = async () => Number((await client.query('SELECT count(*)::int AS n FROM sync_runs')).rows[0].n);
  const before = await runs();
  const started = process.hrtime.bigint();
  let next = 0;
  const post = async () => {
    while (next < jobs) {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/repositories/${ids[next++ % ids.length]}/sync`, { method: 'POST' });
      if (res.status !== 202) throw new Error(`enqueue failed: ${res.status} ${await res.text()}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, post));
  const deadline = Date.now() + 120_000;
  for (let done = (await runs()) - before; done < jobs; done = (await runs()) - before) {
    if (Date.now() > deadline) throw new Error(`${label}: jobs not done within 120 s`);
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    await new Promise((r) => setTimeout(r, done > 0 ? Math.max(5, ((jobs - done) * elapsedMs) / done / 2) : 5));
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}

export function header(title) {
  process.stdout.write(`\n## ${title}\n\n`);
}
