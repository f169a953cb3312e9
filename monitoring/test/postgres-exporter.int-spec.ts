import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { dataSourceOptions, ensureExporterRole, EXPORTER_ROLE } from '@commandcenter/domain';
import { DataSource } from 'typeorm';
import { waitFor } from '../../tools/testing/log-capture.js';
import { freePort, SCRAM_ONLY_GROUP } from '../../tools/testing/services.js';
import { requireBinary } from './support/binaries.js';

const here = dirname(fileURLToPath(import.meta.url));
const PASSWORD = 'exporter-test-password';

describe('postgres_exporter 0.11.1 with the shipped queries', () => {
  let exporter: ChildProcess;
  let url: string;
  let dataSource: DataSource;
  let last = '';
  const stderr: string[] = [];

  beforeAll(async () => {
    const binary = requireBinary('prometheus-postgres-exporter', 'prometheus-postgres-exporter');
    dataSource = await new DataSource(dataSourceOptions(process.env.TEST_DATABASE_URL!)).initialize();
    const runner = dataSource.createQueryRunner();
    await ensureExporterRole(runner, PASSWORD);
    await runner.release();
    await dataSource.query(`GRANT ${SCRAM_ONLY_GROUP} TO ${EXPORTER_ROLE}`);
    await dataSource.query('SELECT count(*) FROM repositories');

    const db = new URL(process.env.TEST_DATABASE_URL!);
    const port = await freePort();
    url = `http://127.0.0.1:${port}/metrics`;
    exporter = spawn(
      binary,
      [`--web.listen-address=127.0.0.1:${port}`, `--extend.query-path=${join(here, '../postgres-exporter/queries.yaml')}`],
      {
        env: {
          ...process.env,
          DATA_SOURCE_NAME: `postgresql://${EXPORTER_ROLE}:${PASSWORD}@127.0.0.1:${db.port}${db.pathname}?sslmode=disable`,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    exporter.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
    exporter.once('exit', (code) => {
      if (code) stderr.push(`exited with ${code}`);
    });
  });
  afterAll(async () => {
    exporter?.kill('SIGTERM');
    await dataSource?.destroy();
  });

  it('logs in as the least-privileged role with its password and exposes pg_up 1', async () => {
    await waitFor(() => (last.includes('pg_up 1') ? true : (void scrape(), undefined)), 'pg_up 1', 15_000).catch((error) => {
      throw new Error(`${error.message}; exporter said: ${stderr.join('')}`);
    });
    expect(last).toMatch(/^pg_up 1$/m);
  });

  it('emits the current collector metric names for pg_stat_statements', async () => {
    await scrape();
    for (const name of ['calls_total', 'seconds_total', 'rows_total', 'block_read_seconds_total', 'block_write_seconds_total']) {
      // 0.11.1 adds a `server` label to every metric; the names and the labels of the collector are all there.
      expect(last).toMatch(
        new RegExp(`^pg_stat_statements_${name}\\{datname="commandcenter_test",queryid="-?\\d+",(server="[^"]+",)?user="\\w+"\\} [0-9.e+-]+$`, 'm'),
      );
    }
    expect(last).toMatch(/^# TYPE pg_stat_statements_calls_total counter$/m);
  });

  it('emits the statistics of every table, and the sizes of the 100 largest only, exact', async () => {
    await dataSource.query('DROP SCHEMA IF EXISTS exporter_tables CASCADE');
    await dataSource.query('CREATE SCHEMA exporter_tables');
    try {
      await dataSource.query(Array.from({ length: 110 }, (_, i) => `CREATE TABLE exporter_tables.t${i} (id int)`).join(';\n'));
      // The planner's page count ranks the tables: the big one must be among the 100, at its exact size.
      await dataSource.query('CREATE TABLE exporter_tables.big AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 20000) g');
      await dataSource.query('ANALYZE exporter_tables.big');
      await scrape();
      const samples = (name: string) => last.split('\n').filter((line) => line.startsWith(`${name}{`));
      const tables = Number((await dataSource.query('SELECT count(*) AS n FROM pg_stat_user_tables'))[0].n);
      expect(tables).toBeGreaterThan(111);
      expect(samples('pg_stat_user_tables_seq_scan')).toHaveLength(tables);
      expect(samples('pg_stat_user_tables_n_dead_tup')).toHaveLength(tables);
      const sizes = samples('pg_stat_user_tables_size_bytes');
      expect(sizes).toHaveLength(100);
      const big = sizes.find((line) => line.includes('relname="big"') && line.includes('schemaname="exporter_tables"'));
      const exact = Number((await dataSource.query(`SELECT pg_total_relation_size('exporter_tables.big') AS bytes`))[0].bytes);
      expect(exact).toBeGreaterThan(1_000_000);
      expect(Number(big?.split(' ').pop())).toBe(exact);
    } finally {
      await dataSource.query('DROP SCHEMA exporter_tables CASCADE');
    }
  });

  async function scrape(): Promise<void> {
    try {
      last = await (await fetch(url)).text();
    } catch {
      // not listening yet
    }
  }
});
