import type { PackConfig } from '../../../monitoring/pack/config.ts';

/** Requests and limits of one container, as Kubernetes writes them (`250m`, `256Mi`). */
export interface Resources {
  requests: { cpu: string; memory: string };
  /** Memory only: a CPU limit throttles Node's event loop long before the node is short of CPU. */
  limits: { memory: string };
}

/** What the Kubernetes manifests are generated for. Defaults: `commandcenter.config.ts`. */
export interface DeployConfig {
  /** `app.kubernetes.io/part-of` of every object, and the prefix of shared names (the Secret, the dashboards). */
  name: string;
  /** Image repositories, without tag; the tag is `version` (overlays may pin another tag or a digest). */
  images: { api: string; worker: string };
  version: string;
  /** A Secret the team creates (never generated): keys DATABASE_URL, REDIS_URL and, for the migration, EXPORTER_PASSWORD. */
  secretName: string;
  /** `QUEUE_LIBRARY` of both apps. */
  queueLibrary: 'bull' | 'bullmq';
  api: { port: number; minReplicas: number; maxReplicas: number; cpuUtilization: number; resources: Resources };
  worker: {
    port: number;
    replicas: number;
    /** Seconds SIGTERM leaves the worker to finish its jobs (its graceful drain) before SIGKILL. */
    terminationGracePeriodSeconds: number;
    resources: Resources;
    /** The optional KEDA component: scale the worker on the queue's waiting jobs, read from Prometheus. */
    keda: { prometheusUrl: string; queue: string; waitingPerReplica: number; minReplicas: number; maxReplicas: number };
  };
  monitoring: {
    /** Where the cluster's Prometheus, Grafana and Alloy run: the PrometheusRules, dashboards and Alloy config go there, once. */
    namespace: string;
    /** The `release` label Prometheus Operator selects ServiceMonitors and PrometheusRules by (kube-prometheus-stack: its release name). */
    release: string;
    /** The label Grafana's dashboard sidecar watches for (kube-prometheus-stack: `grafana_dashboard: "1"`). */
    dashboardLabel: { name: string; value: string };
    scrapeInterval: string;
    /**
     * The monitoring pack the PrometheusRules and dashboards come from. Its selectors must match the Services' jobs,
     * and its aggregation must keep `namespace` (rules are evaluated once for every namespace the apps run in).
     */
    pack: PackConfig;
    /** Loki's push URL for Alloy. */
    lokiUrl: string;
  };
  /** One kustomize overlay each: the namespace it deploys to, and whether KEDA scales its worker. */
  overlays: Array<{ name: string; namespace: string; keda: boolean }>;
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti)?$/;

/** Refuses a configuration Kubernetes would refuse or run wrongly, naming each field. */
export function validateDeployConfig(config: DeployConfig): DeployConfig {
  const problems: string[] = [];
  if (!NAME.test(config.name) || config.name.length > 40) problems.push(`name "${config.name}": a DNS label of up to 40 characters`);
  if (!NAME.test(config.secretName)) problems.push(`secretName "${config.secretName}": a DNS label`);
  for (const [where, r] of [['api', config.api.resources], ['worker', config.worker.resources]] as const) {
    for (const [field, value] of Object.entries({ ...r.requests, limit: r.limits.memory })) {
      if (!QUANTITY.test(value)) problems.push(`${where}.resources ${field} "${value}": a quantity such as 250m or 256Mi`);
    }
  }
  if (!(config.api.minReplicas >= 2)) problems.push(`api.minReplicas ${config.api.minReplicas}: at least 2, or a disruption takes the api down`);
  if (!(config.api.maxReplicas >= config.api.minReplicas)) problems.push(`api.maxReplicas ${config.api.maxReplicas}: at least minReplicas`);
  const { keda } = config.worker;
  if (!(keda.maxReplicas >= keda.minReplicas && keda.minReplicas >= 1)) problems.push(`worker.keda replicas ${keda.minReplicas}..${keda.maxReplicas}: 1 <= min <= max`);
  if (!/^[a-zA-Z0-9_:{}-]+$/.test(keda.queue)) problems.push(`worker.keda.queue "${keda.queue}": a queue name`);
  if (!config.monitoring.pack.aggregation.includes('namespace')) problems.push('monitoring.pack.aggregation: must include namespace, or staging and production would be summed together');
  for (const o of config.overlays) if (!NAME.test(o.name) || !NAME.test(o.namespace)) problems.push(`overlays "${o.name}" namespace "${o.namespace}": DNS labels`);
  if (problems.length) throw new Error(`Kubernetes manifests configuration:\n  ${problems.join('\n  ')}`);
  return config;
}
