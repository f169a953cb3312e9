import { Job } from 'kubernetes-models/batch/v1/Job';
import type { DeployConfig } from './config.ts';
import { fromSecret, labels, podSpec } from './workloads.ts';

/**
 * The schema migration, from the api image (`node /app/migrate.js`, as compose runs it). A Job's pod template cannot
 * change: its name carries the version, so a new release applies a new Job and the finished one is cleaned away.
 */
export function migrationJob(config: DeployConfig) {
  return new Job({
    metadata: { name: `migrate-${config.version.replace(/[^a-z0-9-]/g, '-')}`, labels: { ...labels(config, 'api'), 'app.kubernetes.io/component': 'migration' } },
    spec: {
      backoffLimit: 3,
      activeDeadlineSeconds: 600,
      ttlSecondsAfterFinished: 86400,
      template: {
        metadata: { labels: { ...labels(config, 'api'), 'app.kubernetes.io/component': 'migration' } },
        spec: podSpec(
          {
            name: 'migrate',
            image: `${config.images.api}:${config.version}`,
            command: ['node', '/app/migrate.js'],
            env: [{ name: 'NODE_ENV', value: 'production' }, ...fromSecret(config, 'DATABASE_URL', 'EXPORTER_PASSWORD')],
            resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
          },
          { restartPolicy: 'Never' },
        ),
      },
    },
  });
}
