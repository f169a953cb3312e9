import { formatTable, median, summarize } from '../stats.mjs';
import { wrk, cpuSeconds, alternate, header, startApi } from '../runner.mjs';

// 2. The real api
export async function apiScenario(o, backends, results) {
  // Everything on but the access line (OBSERVABILITY_ACCESS_LOG_ENABLED=false), on the 'on' database: the largest
  // lever. Only this scenario reads it: started here, stopped at its end.
  const quiet = await startApi('observability on, no access line', {
    DATABASE_URL: backends.db.on,
    REDIS_URL: backends.redisUrl.spare,
    OBSERVABILITY_ACCESS_LOG_ENABLED: 'false',
  });
  try {
    await measure(o, { ...backends.apis, 'on-no-access-log': quiet }, results);
  } finally {
    await quiet.stop();
  }
}

async function measure(o, apis, results) {
  const url = (v) => `http://127.0.0.1:${apis[v].port}/api/v1/repositories?limit=20`;
  const variants = ['off', 'on', 'on-no-access-log'];
  for (const v of variants) wrk(url(v), o.warmup, o.connections);
  // Besides throughput, the api's own CPU time per request: on two cores shared with PostgreSQL and wrk,
  // throughput swings with whatever else runs, CPU spent per request much less.
  const samples = await alternate(variants, o.rounds, async (v) => {
    const pid = apis[v].child.pid;
    const before = cpuSeconds(pid);
    const sample = wrk(url(v), o.duration, o.connections);
    const after = cpuSeconds(pid);
    return { ...sample, cpuMicrosPerRequest: before === undefined || after === undefined ? undefined : ((after - before) * 1e6) / sample.requests };
  });
  const label = { off: 'observability off', on: 'observability on', 'on-no-access-log': 'observability on, no access line' };
  const rows = variants.map((v) => {
    const cpu = samples[v].map((s) => s.cpuMicrosPerRequest).filter((x) => x !== undefined);
    return { ...summarize(label[v], samples[v], samples.off), cpuMicrosPerRequest: cpu.length ? median(cpu) : undefined };
  });
  results.api = { rows };
  header(`The real api (GET /api/v1/repositories?limit=20 on PostgreSQL${o.pgLogStatements ? " logging every statement" : ""}, ${o.connections} connections, ${o.rounds} × ${o.duration} s)`);
  process.stdout.write(formatTable(rows, 'added µs/req vs off'));
  const [off, on, quiet] = rows;
  if (off.cpuMicrosPerRequest && on.cpuMicrosPerRequest && quiet.cpuMicrosPerRequest) {
    const keeps = (row) => ((off.cpuMicrosPerRequest / row.cpuMicrosPerRequest) * 100).toFixed(1);
    process.stdout.write(
      `\napi CPU time per request (median): off ${off.cpuMicrosPerRequest.toFixed(0)} µs, on ${on.cpuMicrosPerRequest.toFixed(0)} µs: ` +
        `a CPU-bound api keeps ${keeps(on)} % of its throughput; on without the access line ${quiet.cpuMicrosPerRequest.toFixed(0)} µs: ${keeps(quiet)} %\n`,
    );
  }
}
