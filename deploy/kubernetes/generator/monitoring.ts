import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { parse } from 'yaml';
import { buildPack } from '../../../monitoring/pack/pack.ts';
import type { DeployConfig } from './config.ts';
import { type App, labels, selectorLabels } from './workloads.ts';

/**
 * The pack's rule files that are the apps' own. kube-prometheus-stack ships its own Watchdog, Prometheus, Alertmanager
 * and node_exporter rules (meta.rules.yml and node.rules.yml here), so those are not duplicated into the cluster.
 */
export const CLUSTER_RULE_FILES = ['api.rules.yml', 'slo.rules.yml', 'queue.rules.yml', 'database.rules.yml'];

const operatorLabels = (config: DeployConfig) => ({ 'app.kubernetes.io/part-of': config.name, release: config.monitoring.release });

/** Scrapes the app's Service: the job label is the Service's name (`api`, `worker`), as the pack's selectors expect. */
export function serviceMonitor(config: DeployConfig, app: App) {
  return new ServiceMonitor({
    metadata: { name: app, labels: { ...labels(config, app), release: config.monitoring.release } },
    spec: {
      selector: { matchLabels: selectorLabels(config, app) },
      endpoints: [{ port: 'http', path: '/metrics', interval: config.monitoring.scrapeInterval }],
    },
  });
}

/** One PrometheusRule per rule file of the pack, the same groups Prometheus reads from the files. */
export function prometheusRules(config: DeployConfig) {
  const { rules } = buildPack(config.monitoring.pack);
  return CLUSTER_RULE_FILES.filter((file) => rules[file]).map(
    (file) =>
      new PrometheusRule({
        metadata: { name: `${config.name}-${file.replace('.rules.yml', '')}`, labels: operatorLabels(config) },
        spec: { groups: parse(rules[file]).groups },
      }),
  );
}

/** The pack's dashboards as ConfigMaps Grafana's sidecar loads (one each: a ConfigMap holds at most 1 MiB). */
export function dashboardConfigMaps(config: DeployConfig) {
  const { dashboards } = buildPack(config.monitoring.pack);
  const { name, value } = config.monitoring.dashboardLabel;
  return Object.entries(dashboards).map(
    ([file, json]) =>
      new ConfigMap({
        metadata: { name: `dashboard-${file.replace('.json', '')}`, labels: { 'app.kubernetes.io/part-of': config.name, [name]: value } },
        data: { [file]: json },
      }),
  );
}
