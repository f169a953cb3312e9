import { DataqueryBuilder as LokiQuery } from '@grafana/grafana-foundation-sdk/loki';
import { DataqueryBuilder as PromQuery } from '@grafana/grafana-foundation-sdk/prometheus';

/** The dashboards' datasource variables (`datasource`, `logs`): no uid is hard-coded, each Grafana picks its own. */
export const PROMETHEUS = { type: 'prometheus', uid: '${datasource}' };
export const LOKI = { type: 'loki', uid: '${logs}' };

/** The drill-down filter of every app series of the per-replica drill-down: the namespace, job and instance variables (all by default). */
export const SCOPE = 'namespace=~"$namespace",job=~"$job",instance=~"$instance"';

/**
 * Expressions a healthy stack under ordinary traffic may leave empty (stalls, disk forecasts, slow queries):
 * the live test requires data from every other dashboard query.
 */
export const MAY_BE_EMPTY = new Set<string>();

let refId = 0;
const nextRef = () => String.fromCharCode(65 + (refId++ % 26));

/** A PromQL target; `exemplars` turns on exemplar display (request ids) where the panel is a latency histogram. */
export function prom(expr: string, legend: string, options: { exemplars?: boolean; mayBeEmpty?: boolean; instant?: boolean } = {}) {
  if (options.mayBeEmpty) MAY_BE_EMPTY.add(expr);
  const query = new PromQuery().datasource(PROMETHEUS).expr(expr).legendFormat(legend).refId(nextRef());
  if (options.exemplars) query.exemplar(true);
  if (options.instant) query.instant();
  return query;
}

/** A LogQL target. request_id is never a stream label: it is filtered after `| json`. */
export function logql(expr: string) {
  return new LokiQuery().datasource(LOKI).expr(expr).refId(nextRef());
}

export function resetRefIds(): void {
  refId = 0;
}

const QUANTILE_NAMES: Record<number, string> = { 0.5: 'p50', 0.95: 'p95', 0.99: 'p99' };

/** `rate(<series>[$__rate_interval])` */
export const rate = (series: string) => `rate(${series}[$__rate_interval])`;

/**
 * Quantile targets of a classic histogram, aggregated `by (le, ...)` first (a quantile per series would fire on
 * one slow request), one target per quantile, legend `p95 <legend>`. `bucketRates` is the buckets' rate expression.
 */
export function quantiles(quantileList: number[], bucketRates: string, by: string[], legend: string, options: { exemplars?: boolean } = {}) {
  return quantileList.map((q) =>
    prom(`histogram_quantile(${q}, sum by (${['le', ...by].join(', ')}) (${bucketRates}))`, legend ? `${QUANTILE_NAMES[q]} ${legend}` : QUANTILE_NAMES[q], options),
  );
}

/**
 * `fn` applied to each service's selector (narrowed by the drill-down variables and `matchers`), joined with `or`: the services'
 * series have different label sets, so `or` keeps them all, and the sum around it adds them up.
 */
export function eachSelector(selectors: string[], fn: (selector: string) => string, ...matchers: string[]): string {
  return union(selectors.map((s) => fn(`{${[s, SCOPE, ...matchers].join(',')}}`)));
}

/** Expressions joined with `or`, in parentheses when there are several. */
export const union = (parts: string[]) => (parts.length === 1 ? parts[0] : `(${parts.join(' or ')})`);
