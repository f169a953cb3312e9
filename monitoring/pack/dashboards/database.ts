import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { type DashboardContext, logs, series } from './layout.ts';
import { eachSelector, prom, quantiles, rate, SCOPE } from './queries.ts';

/** PostgreSQL as postgres_exporter sees it, and the services' pools and queries. */
export function databasePerformance(ctx: DashboardContext) {
  const pg = ctx.config.postgresExporter ? `{${ctx.config.postgresExporter.selector}}` : '';
  return ctx
    .dashboard('database', 'Database performance', "PostgreSQL as postgres_exporter sees it, and the services' pools and queries.")
    .withRow(new RowBuilder('Connections'))
    .withPanel(
      series(
        'Connections vs limit',
        'short',
        prom(`sum by (instance) (pg_stat_database_numbackends${pg})`, 'in use'),
        prom(`max by (instance) (pg_settings_max_connections${pg}) - max by (instance) (pg_settings_superuser_reserved_connections${pg})`, 'limit for ordinary roles'),
      ),
    )
    .withPanel(series('App pool by state', 'short', prom(`sum by (job, state) (${eachSelector(ctx.appSelectors, (sel) => `db_pool_connections${sel}`)})`, '{{job}} {{state}}')))
    .withRow(new RowBuilder('Queries'))
    .withPanel(
      series(
        'Query duration by operation (p50, p95, p99)',
        's',
        ...quantiles([0.5, 0.95, 0.99], rate(`db_query_duration_seconds_bucket{${SCOPE}}`), ['operation'], '{{operation}}'),
      ),
    )
    .withPanel(series('Query errors by SQLSTATE (per minute)', 'short', prom(`sum by (operation, sqlstate) (${rate(`db_query_errors_total{${SCOPE}}`)}) * 60`, '{{operation}} {{sqlstate}}', { mayBeEmpty: true })))
    .withPanel(series('Top statements by total time', 's', prom(`topk(10, sum by (queryid) (${rate(`pg_stat_statements_seconds_total${pg}`)}))`, '{{queryid}}')))
    .withPanel(series('Top statements by calls', 'short', prom(`topk(10, sum by (queryid) (${rate(`pg_stat_statements_calls_total${pg}`)}))`, '{{queryid}}')))
    .withPanel(logs('Slow queries', `{${ctx.logStreams}} | json | msg = "slow query"`))
    .withRow(new RowBuilder('Tables'))
    // postgres_exporter 0.18 split the collector's size_bytes into the table's and its indexes' sizes.
    .withPanel(
      series(
        'Table sizes',
        'bytes',
        prom(
          `topk(10, max by (datname, relname) (pg_stat_user_tables_size_bytes${pg} or (pg_stat_user_tables_table_size_bytes${pg} + pg_stat_user_tables_index_size_bytes${pg})))`,
          '{{datname}}.{{relname}}',
        ),
      ),
    )
    .withPanel(
      series(
        'Sequential vs index scans',
        'ops',
        prom(`sum(${rate(`pg_stat_user_tables_seq_scan${pg}`)})`, 'sequential'),
        prom(`sum(${rate(`pg_stat_user_tables_idx_scan${pg}`)})`, 'index'),
      ),
    );
}
