/** One service the pack watches. */
export interface ServiceConfig {
  /** The `service` label of its alerts, and its name in recording rules and dashboards. */
  name: string;
  /** `api`: HTTP alerts and SLOs from the module's http_* metrics; `worker`: a queue worker (bull_* metrics). */
  kind: 'api' | 'worker';
  /** PromQL label matchers selecting its targets' series: `job="api"`, or `namespace="shop",job="checkout"`. */
  selector: string;
  /** api only: the objectives over the SLO window (`window`, default 30 days). Default: 99.9 % and 99 % within 1 s. */
  slo?: { availability?: number; latency?: { objective: number; thresholdSeconds: number } };
  /** The module's `metricPrefix`, as in `<prefix>_errors_total`. Default: `'app'`, the module's default. */
  metricPrefix?: string;
}

/** How the dashboards are named. */
export interface DashboardsConfig {
  /** First part of every title, as in `<title> / Golden signals`. Default: `'CommandCenter'`. */
  title?: string;
  /** First part of every uid (and file name), as in `<uidPrefix>-golden-signals`. Default: `'cc'`. */
  uidPrefix?: string;
}

/** What the pack is generated for (in the spirit of the monitoring mixins' `_config`). */
export interface PackConfig {
  services: ServiceConfig[];
  /**
   * Labels that keep deployments apart: with `['cluster', 'namespace']` every alert and SLO is computed per cluster
   * and namespace, never summed across them. Empty for one deployment.
   */
  aggregation: string[];
  /** Where the runbooks live: `<runbookBaseUrl><AlertName>.md`. */
  runbookBaseUrl: string;
  /** The `service` label of the queue alerts (queues are alerted per queue, whichever app reads them). */
  queueService?: string;
  postgresExporter?: { selector: string };
  /** Default `job="node"`. */
  nodeExporter?: { selector: string };
  /** The Prometheus that evaluates the rules, scraping itself. Default `job="prometheus"`. */
  prometheus?: { selector: string };
  /** Default `job="alertmanager"`. */
  alertmanager?: { selector: string };
  dashboards?: DashboardsConfig;
}

export const DEFAULT_DASHBOARDS: Required<DashboardsConfig> = { title: 'CommandCenter', uidPrefix: 'cc' };
export const DEFAULT_METRIC_PREFIX = 'app';

export const DEFAULT_SLO = { availability: 0.999, latency: { objective: 0.99, thresholdSeconds: 1 } };

const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Refuses a configuration the rules could not be right for, naming the field. */
export function validateConfig(config: PackConfig): PackConfig {
  const problems: string[] = [];
  const names = new Set<string>();
  for (const [i, s] of config.services.entries()) {
    if (!/^[a-z][a-z0-9-]*$/.test(s.name ?? '')) problems.push(`services[${i}].name "${s.name}": lower-case letters, digits and -`);
    if (names.has(s.name)) problems.push(`services[${i}].name "${s.name}" appears twice`);
    names.add(s.name);
    if (s.kind !== 'api' && s.kind !== 'worker') problems.push(`services[${i}].kind "${s.kind}": api or worker`);
    if (!/^\s*[a-zA-Z_]\w*\s*(=|!=|=~|!~)\s*"/.test(s.selector ?? '')) problems.push(`services[${i}].selector "${s.selector}": label matchers such as job="api"`);
    const { availability, latency } = { ...DEFAULT_SLO, ...s.slo };
    if (!(availability > 0 && availability < 1)) problems.push(`services[${i}].slo.availability ${availability}: between 0 and 1`);
    if (!(latency.objective > 0 && latency.objective < 1)) problems.push(`services[${i}].slo.latency.objective ${latency.objective}: between 0 and 1`);
    if (s.metricPrefix !== undefined && !LABEL.test(s.metricPrefix)) problems.push(`services[${i}].metricPrefix "${s.metricPrefix}": a metric name prefix such as app`);
    if (!(latency.thresholdSeconds > 0)) problems.push(`services[${i}].slo.latency.thresholdSeconds ${latency.thresholdSeconds}: above 0`);
  }
  const uidPrefix = config.dashboards?.uidPrefix;
  if (uidPrefix !== undefined && !/^[a-z0-9][a-z0-9-]{0,20}$/.test(uidPrefix)) problems.push(`dashboards.uidPrefix "${uidPrefix}": up to 21 lower-case letters, digits and -`);
  for (const label of config.aggregation) if (!LABEL.test(label)) problems.push(`aggregation "${label}": a label name`);
  if (problems.length) throw new Error(`monitoring pack configuration:\n  ${problems.join('\n  ')}`);
  return config;
}
