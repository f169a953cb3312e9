import type { PackConfig } from '../config.ts';
import { Promql } from '../promql.ts';
import type { AlertRule, RuleFile } from '../rule-file.ts';

/** PostgreSQL (postgres_exporter) and the apps' pools. */
export function databaseRules(config: PackConfig): RuleFile {
  const q = new Promql(config.aggregation);
  const exporter = config.postgresExporter?.selector ?? 'job="postgres-exporter"';
  const rules: AlertRule[] = [
    {
      alert: 'PostgresConnectionsNearLimit',
      comment:
        'Connections in use against what ordinary roles may open: max_connections minus the reserved slots.\nBoth sides are summed by instance, so the datname/datid labels of one side never block the match.',
      expr: `${q.sum('pg_stat_database_numbackends', 'instance')}
  / ${q.on('instance')}
(${q.max('pg_settings_max_connections', 'instance')} - ${q.max('pg_settings_superuser_reserved_connections', 'instance')})
> 0.8`,
      for: '5m',
      severity: 'warning',
      service: 'postgresql',
      summary: 'PostgreSQL on {{ $labels.instance }} uses {{ $value | humanizePercentage }} of its connections',
      description:
        'Over 80% of the connections ordinary roles may open are in use. New connections will soon be refused. The Database performance dashboard shows the connections and the app pools.',
    },
    {
      alert: 'AppDbPoolExhausted',
      expr: `${q.max('db_pool_connections{state="waiting"}', 'job', 'instance')} > 0`,
      for: '2m',
      severity: 'warning',
      service: 'database',
      summary: '{{ $labels.job }} waits for database connections from its pool',
      description:
        'Requests of {{ $labels.job }} ({{ $labels.instance }}) have been waiting for a free pool connection for 2 minutes: slow queries hold the connections, or the pool is too small for the load.',
    },
    {
      alert: 'PostgresExporterDown',
      expr: `up${Promql.selector(exporter)} == 0 or absent(up${Promql.selector(exporter)})`,
      for: '5m',
      severity: 'warning',
      service: 'postgresql',
      summary: 'postgres_exporter is not being scraped',
      description: 'Without it the database alerts and dashboards are blind. It may be down, or unable to log in.',
    },
  ];
  return { file: 'database.rules.yml', header: [], groups: [{ name: 'database', rules }] };
}
