import type { PackConfig } from './config.ts';

/** The pack as this repository ships it (monitoring/prometheus/rules, monitoring/grafana/dashboards): its api and worker, one deployment. */
export const COMMANDCENTER: PackConfig = {
  services: [
    { name: 'api', kind: 'api', selector: 'job="api"', metricPrefix: 'commandcenter' },
    { name: 'worker', kind: 'worker', selector: 'job="worker"', metricPrefix: 'commandcenter' },
  ],
  aggregation: [],
  runbookBaseUrl: 'https://github.com/commandcenter/commandcenter/blob/main/docs/runbooks/',
  postgresExporter: { selector: 'job="postgres-exporter"' },
};
