import { readFileSync } from 'node:fs';
import { COMMANDCENTER } from '../../../monitoring/pack/commandcenter.config.ts';
import type { DeployConfig } from './config.ts';

/**
 * This repository's manifests. The Services are named `api` and `worker`: under a ServiceMonitor the job label is
 * the Service's name, so the shipped pack's selectors (job="api", job="worker") apply as they are.
 */
export const COMMANDCENTER_DEPLOY: DeployConfig = {
  name: 'commandcenter',
  images: { api: 'ghcr.io/commandcenter/api', worker: 'ghcr.io/commandcenter/worker' },
  // The images are tagged with the workspace's version: a release bump shows up here as files to regenerate.
  version: JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version,
  secretName: 'commandcenter',
  queueLibrary: 'bull',
  api: {
    port: 3000,
    minReplicas: 3,
    maxReplicas: 12,
    cpuUtilization: 70,
    resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } },
  },
  worker: {
    port: 3001,
    replicas: 2,
    terminationGracePeriodSeconds: 30,
    resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } },
    keda: { prometheusUrl: 'http://prometheus-operated.monitoring.svc:9090', queue: 'repository-sync', waitingPerReplica: 100, minReplicas: 2, maxReplicas: 10 },
  },
  monitoring: {
    namespace: 'monitoring',
    release: 'kube-prometheus-stack',
    dashboardLabel: { name: 'grafana_dashboard', value: '1' },
    // The apps every 10 s, as in monitoring/prometheus/prometheus.yml: a new error shows within two scrapes.
    scrapeInterval: '10s',
    // The shipped pack, kept apart per namespace: one set of rules for every environment in the cluster.
    pack: { ...COMMANDCENTER, aggregation: ['namespace'] },
    lokiUrl: 'http://loki-gateway.monitoring.svc/loki/api/v1/push',
  },
  overlays: [
    { name: 'staging', namespace: 'commandcenter-staging', keda: false },
    { name: 'production', namespace: 'commandcenter', keda: true },
  ],
};
