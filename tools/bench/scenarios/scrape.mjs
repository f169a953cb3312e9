import { join } from 'node:path';
import { median } from '../stats.mjs';
import { startServer, header, root } from '../runner.mjs';

// 5. Scrape cost
export async function scrapeScenario(o, results) {
  const rows = [];
  for (const target of [1_000, 10_000]) {
    const server = await startServer(`bench app with ${target} series`, process.execPath, [join(root, 'dist/tools/bench/bench-app.js')], {
      env: { BENCH_VARIANT: 'all', BENCH_SERIES: String(target) },
    });
    for (const format of ['text', 'openmetrics']) {
      // OpenMetrics as Prometheus asks for it, with the scrape-timeout header it sends (the new-series hold's path).
      const headers = format === 'openmetrics' ? { accept: 'application/openmetrics-text; version=1.0.0', 'x-prometheus-scrape-timeout-seconds': '10' } : { accept: 'text/plain' };
      const times = [];
      let bytes = 0;
      let series = 0;
      for (let i = 0; i < o.scrapes + 2; i++) {
        const started = process.hrtime.bigint();
        const res = await fetch(`http://127.0.0.1:${server.port}/metrics`, { headers });
        const body = await res.text();
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
        if (i >= 2) times.push(ms);
        bytes = body.length;
        series = body.split('\n').filter((l) => l && !l.startsWith('#')).length;
      }
      times.sort((a, b) => a - b);
      rows.push({ target, format, series, bytes, median: median(times), p90: times[Math.floor(times.length * 0.9)] ?? times.at(-1), max: times.at(-1) });
    }
    await server.stop();
  }
  results.scrape = { rows };
  header(`Scrape cost (GET /metrics, bench app with everything on, ${o.scrapes} scrapes each after 2 warm-up; OpenMetrics with Prometheus's scrape-timeout header)`);
  process.stdout.write('| series | format | bytes | median ms | p90 ms | max ms |\n|---:|---|---:|---:|---:|---:|\n');
  for (const r of rows) {
    process.stdout.write(`| ${r.series} | ${r.format} | ${r.bytes} | ${r.median.toFixed(1)} | ${r.p90.toFixed(1)} | ${r.max.toFixed(1)} |\n`);
  }
}
