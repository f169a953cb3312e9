import { join } from 'node:path';
import { freePort } from '../../testing/services.js';
import { median, medianRows } from '../stats.mjs';
import pg from 'pg';
import { startServer, cpuSeconds, alternate, header, heapFlags, root, sendSyncJobs } from '../runner.mjs';

/** BullMQ's rounds use the Redis databases two above Bull's (on 3, off 4), so its keys never meet Bull's. */
function redisUrlFor(library, redisUrl) {
  if (library === 'bull') return redisUrl;
  const url = new URL(redisUrl);
  url.pathname = `/${Number(url.pathname.slice(1) || 0) + 2}`;
  return url.toString();
}

// 4. Queue throughput: api -> Bull, then BullMQ -> worker (QUEUE_LIBRARY), each on and off
/**
 * A run's figures move by several % from the next's, its processes with them (docs/performance-log.md, "Twentieth
 * look"), so `--queue-runs=N` measures N times, with new processes each, and judges the median over the runs.
 */
export async function queueScenario(o, backends, results) {
  const runs = [];
  for (let run = 1; run <= o.queueRuns; run++) {
    const rows = [];
    for (const library of o.queueLibraries) rows.push(...(await measureLibrary(o, backends, library)));
    runs.push(rows);
    printRows(o.queueRuns > 1 ? ` (run ${run} of ${o.queueRuns})` : '', o.jobs, rows);
  }
  if (runs.length === 1) {
    results.queue = { rows: runs[0], jobs: o.jobs };
    return;
  }
  const rows = medianRows(runs, ['median', 'changePercent', 'workerCpuMicrosPerJob'], 'changePercent');
  results.queue = { rows, jobs: o.jobs, runs };
  printRows(`, the median of ${runs.length} runs`, o.jobs, rows);
  process.stdout.write('\nChange: the median over the runs of each run\'s figure (their range: "runs"); jobs/s and CPU: medians of the runs\' medians.\n');
}

function printRows(title, jobs, rows) {
  const ranged = rows.some((r) => r.range);
  header(`Queue throughput${title} (${jobs} sync jobs per round: POST /sync -> queue -> worker, concurrency 2, no simulated work; logging and SQL comments on in both)`);
  process.stdout.write(`| library | variant | jobs/s median | min–max | change vs off |${ranged ? ' runs |' : ''} worker CPU µs/job |\n`);
  process.stdout.write(`|---|---|---:|---:|---:|${ranged ? '---:|' : ''}---:|\n`);
  const pct = (x) => `${x >= 0 ? '+' : ''}${x.toFixed(1)} %`;
  for (const r of rows) {
    const cpu = r.workerCpuMicrosPerJob === undefined ? 'n/a' : r.workerCpuMicrosPerJob.toFixed(0);
    const range = r.range ? ` ${pct(r.range[0])} to ${pct(r.range[1])} |` : '';
    process.stdout.write(`| ${r.library} | ${r.variant} | ${r.median.toFixed(0)} | ${r.min.toFixed(0)}–${r.max.toFixed(0)} | ${pct(r.changePercent)} |${range} ${cpu} |\n`);
  }
}

async function measureLibrary(o, backends, library) {
  // Logging, correlation and SQL comments stay on in both: only what this scenario is about is switched off.
  const QUEUE_OFF = { OBSERVABILITY_QUEUE_PROPAGATION_ENABLED: 'false', OBSERVABILITY_METRICS_ENABLED: 'false' };
  const apis = {};
  const workers = {};
  for (const variant of ['on', 'off']) {
    const env = {
      DATABASE_URL: backends.db[variant],
      REDIS_URL: redisUrlFor(library, backends.redisUrl[variant]),
      QUEUE_LIBRARY: library,
      LOG_LEVEL: 'info',
      ...(variant === 'off' ? QUEUE_OFF : {}),
    };
    const apiPort = await freePort();
    apis[variant] = await startServer(`queue api (${library}, ${variant})`, process.execPath, [...heapFlags(o.semiSpace), join(root, 'dist/apps/api/main.js')], {
      env: { ...env, PORT: String(apiPort) },
      readyUrl: `http://127.0.0.1:${apiPort}/health`,
    });
    const port = await freePort();
    workers[variant] = await startServer(`worker (${library}, propagation and metrics ${variant})`, process.execPath, [...heapFlags(o.semiSpace), join(root, 'dist/apps/worker/main.js')], {
      env: { ...env, PORT: String(port), SYNC_WORK_MS: '0' },
      readyUrl: `http://127.0.0.1:${port}/health`,
    });
  }
  const clients = {};
  for (const v of ['on', 'off']) {
    clients[v] = new pg.Client({ connectionString: backends.db[v] });
    await clients[v].connect();
  }
  const round = async (v, jobs) => {
    const cpuBefore = cpuSeconds(workers[v].child.pid);
    const seconds = await sendSyncJobs({ port: apis[v].port, ids: backends.repositories[v], jobs, client: clients[v], label: `queue ${library} ${v}` });
    const cpuAfter = cpuSeconds(workers[v].child.pid);
    workerCpu[v].push(cpuBefore === undefined || cpuAfter === undefined ? undefined : ((cpuAfter - cpuBefore) * 1e6) / jobs);
    return jobs / seconds;
  };
  const workerCpu = { on: [], off: [] };
  // The warm-up, in chunks of a round's size: the workers past V8's last tier-up of the job's path. The two take
  // turns, so that neither sits idle while the other warms up (the api's first-warmed process, idle for minutes,
  // measured slower: docs/performance-log.md, "Twelfth look").
  for (let sent = 0; sent < o.queueWarmup; sent += o.jobs) for (const v of ['on', 'off']) await round(v, Math.min(o.jobs, o.queueWarmup - sent));
  workerCpu.on.length = 0;
  workerCpu.off.length = 0;
  const samples = await alternate(['off', 'on'], o.rounds, (v) => round(v, o.jobs));
  for (const v of ['on', 'off']) {
    await clients[v].end();
    await workers[v].stop();
    await apis[v].stop();
  }
  const med = { on: median(samples.on), off: median(samples.off) };
  const cpuOf = (v) => {
    const values = workerCpu[v].filter((x) => x !== undefined);
    return values.length ? median(values) : undefined;
  };
  return ['off', 'on'].map((v) => ({
    library,
    variant: `propagation and metrics ${v}`,
    median: med[v],
    min: Math.min(...samples[v]),
    max: Math.max(...samples[v]),
    changePercent: ((med[v] - med.off) / med.off) * 100,
    workerCpuMicrosPerJob: cpuOf(v),
  }));
}
