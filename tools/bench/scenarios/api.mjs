import { formatTable, median, summarize } from '../stats.mjs';
import { wrk, cpuSeconds, alternate, header } from '../runner.mjs';

// 2. The real api
export async function apiScenario(o, backends, results) {
  const url = (v) => `http://127.0.0.1:${backends.apis[v].port}/api/v1/repositories?limit=20`;
  for (const v of ['on', 'off']) wrk(url(v), o.warmup, o.connections);
  // Besides throughput, the api's own CPU time per request: on two cores shared with PostgreSQL and wrk,
  // throughput swings with whatever else runs, CPU spent per request much less.
  const samples = await alternate(['off', 'on'], o.rounds, async (v) => {
    const pid = backends.apis[v].child.pid;
    const before = cpuSeconds(pid);
    const sample = wrk(url(v), o.duration, o.connections);
    const after = cpuSeconds(pid);
    return { ...sample, cpuMicrosPerRequest: before === undefined || after === undefined ? undefined : ((after - before) * 1e6) / sample.requests };
  });
  const rows = ['off', 'on'].map((v) => {
    const cpu = samples[v].map((s) => s.cpuMicrosPerRequest).filter((x) => x !== undefined);
    return { ...summarize(`observability ${v}`, samples[v], samples.off), cpuMicrosPerRequest: cpu.length ? median(cpu) : undefined };
  });
  results.api = { rows };
  header(`The real api (GET /api/v1/repositories?limit=20 on PostgreSQL${o.pgLogStatements ? " logging every statement" : ""}, ${o.connections} connections, ${o.rounds} × ${o.duration} s)`);
  process.stdout.write(formatTable(rows, 'added µs/req vs off'));
  const [off, on] = rows;
  if (off.cpuMicrosPerRequest && on.cpuMicrosPerRequest) {
    process.stdout.write(
      `\napi CPU time per request (median): off ${off.cpuMicrosPerRequest.toFixed(0)} µs, on ${on.cpuMicrosPerRequest.toFixed(0)} µs: ` +
        `a CPU-bound api keeps ${((off.cpuMicrosPerRequest / on.cpuMicrosPerRequest) * 100).toFixed(1)} % of its throughput\n`,
    );
  }
}
