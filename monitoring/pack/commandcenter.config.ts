import type { PackConfig } from './config.ts';

/** The pack as this repository ships it (monitoring/prometheus/rules): its api and worker, one deployment. */
export const COMMANDCENTER: PackConfig = {
  services: [
    { name: 'api', kind: 'api', selector: 'job="api"' },
    { name: 'worker', kind: 'worker', selector: 'job="worker"' },
  ],
  aggregation: [],
  runbookBaseUrl: 'https://github.com/commandcenter/commandcenter/blob/main/docs/runbooks/',
  postgresExporter: { selector: 'job="postgres-exporter"' },
};
