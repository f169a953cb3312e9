import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../testing/services.js';
import { median } from '../stats.mjs';
import { wrkAsync } from '../load.mjs';
import { alternate, children, header, root, which } from '../runner.mjs';

const EXPORTER_ROLE = 'postgres_exporter';
const INTERVAL_SECONDS = 15;

/** CPU seconds of a PostgreSQL server: the postmaster, its children alive now, and those it has reaped (cutime). */
function postgresCpuSeconds(postmaster) {
  const stat = (pid) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const own = stat(postmaster);
  let seconds = (Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14])) / 100;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = stat(entry);
      if (Number(fields[1]) === postmaster) seconds += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // gone meanwhile
    }
  }
  return seconds;
}

// 4. postgres_exporter's cost to PostgreSQL under the api's load
export async function exporterScenario(o, backends, results) {
  const admin = new pg.Client({ connectionString: backends.db.on });
  await admin.connect();
  try {
    const dataDirectory = (await admin.query('SHOW data_directory')).rows[0].data_directory;
    const postmaster = Number(readFileSync(join(dataDirectory, 'postmaster.pid'), 'utf8').split('\n')[0]);
    await admin.query(`DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${EXPORTER_ROLE}') THEN CREATE ROLE ${EXPORTER_ROLE} LOGIN; END IF; END $$`);
    await admin.query(`GRANT pg_monitor TO ${EXPORTER_ROLE}`);
    await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const db = new URL(backends.db.on);
    const port = await freePort();
    const exporter = spawn(which('prometheus-postgres-exporter'), [`--web.listen-address=127.0.0.1:${port}`, `--extend.query-path=${join(root, 'monitoring/postgres-exporter/queries.yaml')}`], {
      env: { ...process.env, DATA_SOURCE_NAME: `postgresql://${EXPORTER_ROLE}@127.0.0.1:${db.port}${db.pathname}?sslmode=disable` },
      stdio: 'ignore',
    });
    children.add(exporter);
    const scrape = async () => {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      const body = await res.text();
      if (!res.ok || !body.includes('pg_up 1')) throw new Error(`postgres_exporter scrape failed: ${res.status}`);
    };
    for (let i = 0; ; i++) {
      try {
        await scrape();
        break;
      } catch (error) {
        if (i > 50) throw error;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const url = `http://127.0.0.1:${backends.apis.on.port}/api/v1/repositories?limit=20`;
    const seconds = o.exporterSeconds;
    // The exporter's statements, timed by PostgreSQL itself (pg_stat_statements, by the exporter's role).
    const exporterMillis = async () =>
      Number((await admin.query(`SELECT coalesce(sum(total_exec_time), 0) AS ms FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid WHERE r.rolname = $1`, [EXPORTER_ROLE])).rows[0].ms);
    const samples = await alternate(['without', 'with'], o.rounds > 2 ? 3 : o.rounds, async (phase) => {
      await admin.query('SELECT pg_stat_statements_reset()');
      let scrapes = 0;
      let stop = false;
      const before = postgresCpuSeconds(postmaster);
      const load = wrkAsync(url, seconds, o.connections);
      // Scrapes during the load, the first half an interval in, as Prometheus would at any phase.
      const scraper = (async () => {
        await new Promise((r) => setTimeout(r, (o.exporterInterval * 1000) / 2));
        while (phase === 'with' && !stop) {
          await scrape();
          scrapes++;
          await new Promise((r) => setTimeout(r, o.exporterInterval * 1000));
        }
      })();
      const sample = await load;
      const cpu = postgresCpuSeconds(postmaster) - before;
      stop = true;
      await scraper;
      return { ...sample, postgresCores: cpu / seconds, scrapes, exporterMs: phase === 'with' ? await exporterMillis() : 0 };
    });
    exporter.kill('SIGTERM');
    const withRows = samples.with;
    const msPerScrape = median(withRows.map((s) => s.exporterMs / Math.max(1, s.scrapes)));
    const postgresCores = { without: median(samples.without.map((s) => s.postgresCores)), with: median(samples.with.map((s) => s.postgresCores)) };
    // Per api request too: the two phases do not serve exactly as many requests.
    const perRequest = (phase) => median(samples[phase].map((s) => (s.postgresCores * 1e6) / s.rps));
    const postgresMicrosPerRequest = { without: perRequest('without'), with: perRequest('with') };
    // At a 15 s scrape interval: the exporter's PostgreSQL time per second against PostgreSQL's CPU under the load.
    const sharePercent = (msPerScrape / 1000 / INTERVAL_SECONDS / postgresCores.without) * 100;
    results.exporter = { seconds, scrapeInterval: o.exporterInterval, msPerScrape, postgresCores, postgresMicrosPerRequest, sharePercent, rps: { without: median(samples.without.map((s) => s.rps)), with: median(samples.with.map((s) => s.rps)) } };
    header(`postgres_exporter under the api's load (GET /api/v1/repositories?limit=20, ${o.connections} connections, ${samples.with.length} × ${seconds} s with and without scrapes)`);
    process.stdout.write('| phase | api req/s median | PostgreSQL CPU (cores) | PostgreSQL CPU µs per api request | scrapes per phase |\n|---|---:|---:|---:|---:|\n');
    for (const phase of ['without', 'with']) {
      process.stdout.write(`| ${phase === 'with' ? `scraped every ${o.exporterInterval} s` : 'not scraped'} | ${results.exporter.rps[phase].toFixed(0)} | ${postgresCores[phase].toFixed(3)} | ${postgresMicrosPerRequest[phase].toFixed(1)} | ${median(samples[phase].map((s) => s.scrapes))} |\n`);
    }
    process.stdout.write(
      `\nThe exporter's statements take PostgreSQL ${msPerScrape.toFixed(1)} ms per scrape (pg_stat_statements): at one scrape every ${INTERVAL_SECONDS} s, ` +
        `${sharePercent.toFixed(3)} % of PostgreSQL's CPU under this load (${postgresCores.without.toFixed(3)} cores without scrapes)\n`,
    );
  } finally {
    await admin.end();
  }
}
