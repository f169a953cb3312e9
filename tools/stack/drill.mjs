// `npm run drill`: synthetic incidents against a running `npm run stack`, timed from the incident's start until its
// alert is active in Alertmanager (detection), and from the incident's end until the alert resolves. The real rules
// of monitoring/prometheus/rules run unchanged, so these are the stack's actual detection times.
//   1. error burst: half the api's requests fail for a while
//   2. stopped worker, and with it a growing queue backlog
//   3. full api outage: every api process killed (SIGKILL), then started again
// The stack is restored afterwards (worker and api restarted). Takes about 20 minutes.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const stateFile = join(root, 'tmp/stack/state.json');
let state;
try {
  state = JSON.parse(readFileSync(stateFile, 'utf8'));
} catch {
  console.error('drill: no running stack; start it with `npm run stack`');
  process.exit(1);
}
const { ports, appEnv } = state;
const api = `http://127.0.0.1:${ports.api}`;
const alertmanager = `http://127.0.0.1:${ports.alertmanager}`;
const log = (line) => console.error(`drill ${new Date().toISOString().slice(11, 19)}: ${line}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const seconds = (ms) => `${(ms / 1000).toFixed(0)} s`;

/** Whether the alert is in Alertmanager: active (would notify), or `muted` too (inhibited by another: no page of its own). */
async function active(alertname, muted = false) {
  const res = await fetch(`${alertmanager}/api/v2/alerts?active=true&silenced=false&inhibited=${muted}&filter=${encodeURIComponent(`alertname="${alertname}"`)}`);
  const alerts = await res.json();
  return alerts.some((a) => a.status?.state === 'active' || (muted && a.status?.state === 'suppressed'));
}

async function until(alertname, wanted, timeoutMs, muted = false) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await active(alertname, muted)) === wanted) return Date.now();
    await sleep(2000);
  }
  return undefined;
}

/** Requests in the background until stopped; `fail` makes every other one a 500. */
function traffic(perSecond, fail) {
  let running = true;
  const done = (async () => {
    for (let i = 0; running; i++) {
      const path = fail && i % 2 === 0 ? '/api/v1/trigger-test-error' : '/api/v1/repositories?limit=5';
      fetch(`${api}${path}`).catch(() => undefined);
      await sleep(1000 / perSecond);
    }
  })();
  return async () => {
    running = false;
    await done;
  };
}

async function createRepository(name) {
  const res = await fetch(`${api}/api/v1/repositories`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, url: `https://example.com/${name}` }),
  });
  return (await res.json()).id;
}

const results = [];

async function errorBurst() {
  const steady = traffic(10, false);
  await sleep(20_000);
  log('incident 1: error burst starts (half the api requests fail)');
  const start = Date.now();
  const burst = traffic(10, true);
  const firing = await until('ApiHighErrorRatio', true, 8 * 60_000);
  await burst();
  const ended = Date.now();
  log(`incident 1: ApiHighErrorRatio ${firing ? `active after ${seconds(firing - start)}` : 'never fired'}; burst stopped`);
  const resolved = firing ? await until('ApiHighErrorRatio', false, 10 * 60_000) : undefined;
  await steady();
  results.push(['error burst', 'ApiHighErrorRatio', firing && firing - start, resolved && resolved - ended]);
}

async function stoppedWorker() {
  const repository = await createRepository(`drill-${Date.now()}`);
  log('incident 2: worker stopped, syncs keep coming');
  const start = Date.now();
  process.kill(state.pids.worker, 'SIGTERM');
  let enqueueing = true;
  const enqueue = (async () => {
    while (enqueueing) {
      fetch(`${api}/api/v1/repositories/${repository}/sync`, { method: 'POST' }).catch(() => undefined);
      await sleep(200);
    }
  })();
  const [workerDown, backlog] = await Promise.all([
    until('WorkerDown', true, 6 * 60_000),
    // A warning of the worker's: inhibited while WorkerDown pages (one incident, one page), so counted when muted too.
    until('QueueBacklogGrowing', true, 16 * 60_000, true),
  ]);
  enqueueing = false;
  await enqueue;
  log(`incident 2: WorkerDown ${workerDown ? `after ${seconds(workerDown - start)}` : 'never fired'}, QueueBacklogGrowing ${backlog ? `after ${seconds(backlog - start)}` : 'never fired'}; restarting the worker`);
  const ended = Date.now();
  restart('worker');
  const [workerBack, backlogGone] = await Promise.all([until('WorkerDown', false, 10 * 60_000), until('QueueBacklogGrowing', false, 10 * 60_000, true)]);
  results.push(['stopped worker', 'WorkerDown', workerDown && workerDown - start, workerBack && workerBack - ended]);
  results.push(['queue backlog (worker stopped)', 'QueueBacklogGrowing (muted by WorkerDown)', backlog && backlog - start, backlogGone && backlogGone - ended]);
}

/** Starts an app of the stack again, detached like `npm run stack` starts it, and records its pid for `--stop`. */
function restart(app) {
  const child = spawn(process.execPath, ['--enable-source-maps', `dist/apps/${app}/main.js`], {
    cwd: root,
    env: { ...process.env, ...appEnv, PORT: String(ports[app]) },
    stdio: 'ignore',
    detached: true,
  });
  child.unref();
  state.pids[app] = child.pid;
  writeFileSync(stateFile, JSON.stringify(state, null, 2));
}

async function apiOutage() {
  log('incident 3: every api process killed');
  const start = Date.now();
  process.kill(state.pids.api, 'SIGKILL');
  const down = await until('ApiDown', true, 6 * 60_000);
  log(`incident 3: ApiDown ${down ? `active after ${seconds(down - start)}` : 'never fired'}; starting the api again`);
  const ended = Date.now();
  restart('api');
  const back = down ? await until('ApiDown', false, 10 * 60_000) : undefined;
  results.push(['full api outage (every api process killed)', 'ApiDown', down && down - start, back && back - ended]);
}

log(`against ${api} and ${alertmanager}`);
await Promise.all([errorBurst(), stoppedWorker()]);
await apiOutage();
console.log(`\nDetection and resolution times (Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}):\n`);
console.log('| incident | alert | detected after | resolved after the incident ended |');
console.log('|---|---|---|---|');
for (const [incident, alert, detected, resolved] of results) {
  console.log(`| ${incident} | ${alert} | ${detected === undefined ? 'not detected' : seconds(detected)} | ${resolved === undefined ? 'not resolved' : seconds(resolved)} |`);
}
