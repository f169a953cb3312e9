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

/** Nanoseconds a process has run on a CPU (schedstat: the scheduler's own count, finer than /proc's 10 ms ticks). */
function runNanos(pid) {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return undefined;
  }
}

/**
 * The CPU PostgreSQL spends serving the exporter: its backends' run time, read at the start, after every scrape and at
 * the end; a backend first seen during the phase counts from its fork. A backend that ends during the phase took
 * work with it that no reading saw (an exporter that connects per scrape): that throws rather than reading low.
 */
function exporterBackends(admin) {
  const first = new Map();
  const last = new Map();
  const read = async (isStart) => {
    const { rows } = await admin.query('SELECT pid FROM pg_stat_activity WHERE usename = $1', [EXPORTER_ROLE]);
    const alive = new Set();
    for (const { pid } of rows) {
      const nanos = runNanos(pid);
      if (nanos === undefined) continue;
      alive.add(pid);
      if (!first.has(pid)) first.set(pid, isStart ? nanos : 0);
      last.set(pid, nanos);
    }
    const gone = [...first.keys()].filter((pid) => !alive.has(pid));
    if (gone.length) throw new Error(`backend ${gone.join(', ')} of the ${EXPORTER_ROLE} role ended during the phase: its CPU cannot be read whole`);
  };
  const cpuMillis = () => [...last].reduce((sum, [pid, nanos]) => sum + (nanos - first.get(pid)) / 1e6, 0);
  return { read, cpuMillis, count: () => first.size };
}

/**
 * `count` tables beyond the seed's, in a schema of their own, each with a primary key, a second index and a row,
 * analysed: every one is a row of pg_stat_user_tables that the shipped queries read per scrape, and one more table to
 * rank for the sizes of the 100 largest.
 */
async function addTables(admin, count) {
  await admin.query('DROP SCHEMA IF EXISTS bench_extra CASCADE');
  if (count === 0) return;
  await admin.query('CREATE SCHEMA bench_extra');
  for (let i = 0; i < count; i += 100) {
    const batch = [];
    for (let t = i; t < Math.min(count, i + 100); t++) {
      batch.push(`CREATE TABLE bench_extra.t${t} (id serial PRIMARY KEY, name text NOT NULL)`, `CREATE INDEX ON bench_extra.t${t} (name)`, `INSERT INTO bench_extra.t${t} (name) VALUES ('row')`);
    }
    await admin.query(batch.join(';\n'));
  }
  await admin.query('ANALYZE');
}

/** The series a scrape of the exporter holds (sample lines), and of them those of pg_stat_user_tables. */
function seriesOf(body) {
  const samples = body.split('\n').filter((line) => line && !line.startsWith('#'));
  return { all: samples.length, tables: samples.filter((line) => line.startsWith('pg_stat_user_tables_')).length };
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
    await addTables(admin, o.exporterTables);
    const db = new URL(backends.db.on);
    const port = await freePort();
    const exporter = spawn(which('prometheus-postgres-exporter'), [`--web.listen-address=127.0.0.1:${port}`, `--extend.query-path=${join(root, 'monitoring/postgres-exporter/queries.yaml')}`], {
      env: { ...process.env, DATA_SOURCE_NAME: `postgresql://${EXPORTER_ROLE}@127.0.0.1:${db.port}${db.pathname}?sslmode=disable` },
      stdio: 'ignore',
    });
    children.add(exporter);
    let series = { all: 0, tables: 0 };
    const scrape = async () => {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      const body = await res.text();
      if (!res.ok || !body.includes('pg_up 1')) throw new Error(`postgres_exporter scrape failed: ${res.status}`);
      series = seriesOf(body);
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
      const served = exporterBackends(admin);
      await served.read(true);
      const before = postgresCpuSeconds(postmaster);
      const load = wrkAsync(url, seconds, o.connections);
      // Scrapes during the load, the first half an interval in, as Prometheus would at any phase.
      const scraper = (async () => {
        await new Promise((r) => setTimeout(r, (o.exporterInterval * 1000) / 2));
        while (phase === 'with' && !stop) {
          await scrape();
          await served.read(false);
          scrapes++;
          await new Promise((r) => setTimeout(r, o.exporterInterval * 1000));
        }
      })();
      const sample = await load;
      const cpu = postgresCpuSeconds(postmaster) - before;
      stop = true;
      await scraper;
      await served.read(false);
      if (phase === 'with' && served.count() === 0) throw new Error(`no backend of the ${EXPORTER_ROLE} role read: none in pg_stat_activity, or no /proc/<pid>/schedstat on this kernel`);
      return { ...sample, postgresCores: cpu / seconds, scrapes, exporterCpuMs: served.cpuMillis(), exporterMs: phase === 'with' ? await exporterMillis() : 0 };
    });
    exporter.kill('SIGTERM');
    const withRows = samples.with;
    const perScrape = (key) => median(withRows.map((s) => s[key] / Math.max(1, s.scrapes)));
    const cpuMsPerScrape = perScrape('exporterCpuMs');
    const msPerScrape = perScrape('exporterMs');
    const postgresCores = { without: median(samples.without.map((s) => s.postgresCores)), with: median(samples.with.map((s) => s.postgresCores)) };
    // Per api request too: the two phases do not serve exactly as many requests.
    const perRequest = (phase) => median(samples[phase].map((s) => (s.postgresCores * 1e6) / s.rps));
    const postgresMicrosPerRequest = { without: perRequest('without'), with: perRequest('with') };
    // At a 15 s scrape interval: the CPU PostgreSQL spends on the exporter per second against its CPU under the load.
    const sharePercent = (cpuMsPerScrape / 1000 / INTERVAL_SECONDS / postgresCores.without) * 100;
    const tables = Number((await admin.query('SELECT count(*) AS n FROM pg_stat_user_tables')).rows[0].n);
    results.exporter = { seconds, scrapeInterval: o.exporterInterval, tables, series, cpuMsPerScrape, msPerScrape, postgresCores, postgresMicrosPerRequest, sharePercent, rps: { without: median(samples.without.map((s) => s.rps)), with: median(samples.with.map((s) => s.rps)) } };
    header(`postgres_exporter under the api's load (GET /api/v1/repositories?limit=20, ${o.connections} connections, ${samples.with.length} × ${seconds} s with and without scrapes; ${tables} tables, ${series.all} series a scrape, ${series.tables} of them pg_stat_user_tables_*)`);
    process.stdout.write("| phase | api req/s median | PostgreSQL CPU (cores) | PostgreSQL CPU µs per api request | scrapes per phase | CPU ms in the exporter's backends per phase |\n|---|---:|---:|---:|---:|---:|\n");
    for (const phase of ['without', 'with']) {
      process.stdout.write(`| ${phase === 'with' ? `scraped every ${o.exporterInterval} s` : 'not scraped'} | ${results.exporter.rps[phase].toFixed(0)} | ${postgresCores[phase].toFixed(3)} | ${postgresMicrosPerRequest[phase].toFixed(1)} | ${median(samples[phase].map((s) => s.scrapes))} | ${median(samples[phase].map((s) => s.exporterCpuMs)).toFixed(1)} |\n`);
    }
    process.stdout.write(
      `\nPostgreSQL spends ${cpuMsPerScrape.toFixed(1)} ms of CPU per scrape in the exporter's backends: at one scrape every ${INTERVAL_SECONDS} s, ` +
        `${sharePercent.toFixed(3)} % of its CPU under this load (${postgresCores.without.toFixed(3)} cores without scrapes). ` +
        `The exporter's statements take ${msPerScrape.toFixed(1)} ms per scrape by pg_stat_statements, which counts time waiting for a core too.\n`,
    );
  } finally {
    await addTables(admin, 0).catch(() => {});
    await admin.end();
  }
}
