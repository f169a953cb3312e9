import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { dataSourceOptions, ensureExporterRole, EXPORTER_ROLE } from '@commandcenter/domain';
import { DataSource } from 'typeorm';
import { freePort, SCRAM_ONLY_GROUP } from '../../../tools/testing/services.js';
import { requireBinary } from './binaries.js';
import { monitoringDir } from './live-stack.js';

/**
 * postgres_exporter (the shipped queries, logging in as the exporter role with its password) and node_exporter
 * from the Debian packages, on free ports. `filesystems: false` leaves out node_exporter's filesystem collector:
 * the machine's own disks are not the system under test.
 */
export async function startExporters(databaseUrl: string, options: { filesystems?: boolean } = {}) {
  const dataSource = await new DataSource(dataSourceOptions(databaseUrl)).initialize();
  const runner = dataSource.createQueryRunner();
  await ensureExporterRole(runner, 'live-test-password');
  await runner.release();
  await dataSource.query(`GRANT ${SCRAM_ONLY_GROUP} TO ${EXPORTER_ROLE}`);
  await dataSource.destroy();
  const db = new URL(databaseUrl);
  const [pgPort, nodePort] = await Promise.all([freePort(), freePort()]);
  const children: ChildProcess[] = [
    spawn(
      requireBinary('prometheus-postgres-exporter', 'prometheus-postgres-exporter'),
      [`--web.listen-address=127.0.0.1:${pgPort}`, `--extend.query-path=${join(monitoringDir, 'postgres-exporter/queries.yaml')}`],
      {
        env: { ...process.env, DATA_SOURCE_NAME: `postgresql://${EXPORTER_ROLE}:live-test-password@127.0.0.1:${db.port}${db.pathname}?sslmode=disable` },
        stdio: 'ignore',
      },
    ),
    spawn(
      requireBinary('prometheus-node-exporter', 'prometheus-node-exporter'),
      [`--web.listen-address=127.0.0.1:${nodePort}`, ...(options.filesystems === false ? ['--no-collector.filesystem'] : [])],
      { stdio: 'ignore' },
    ),
  ];
  return {
    targets: { 'postgres-exporter': `127.0.0.1:${pgPort}`, node: `127.0.0.1:${nodePort}` },
    stop: () => children.forEach((c) => c.kill('SIGTERM')),
  };
}
