/** PromQL pieces that keep the aggregation labels (cluster, namespace, …) apart in every sum and match. */
export class Promql {
  private readonly aggregation: string[];

  constructor(aggregation: string[]) {
    this.aggregation = aggregation;
  }

  /** `sum by (<aggregation>, ...by) (inner)`, or `sum(inner)` with no labels. */
  sum(inner: string, ...by: string[]): string {
    return this.aggregate('sum', inner, by);
  }

  avg(inner: string, ...by: string[]): string {
    return this.aggregate('avg', inner, by);
  }

  max(inner: string, ...by: string[]): string {
    return this.aggregate('max', inner, by);
  }

  /** `on (<aggregation>, ...extra)`: matches one deployment's sides with each other. */
  on(...extra: string[]): string {
    return `on (${[...this.aggregation, ...extra].join(', ')})`;
  }

  /** `{<selector>,<more>}` */
  static selector(selector: string, ...more: string[]): string {
    return `{${[selector, ...more].join(',')}}`;
  }

  private aggregate(op: string, inner: string, by: string[]): string {
    const labels = [...this.aggregation, ...by];
    return labels.length ? `${op} by (${labels.join(', ')}) (${inner})` : `${op}(${inner})`;
  }
}

/**
 * The `le` matcher of a bucket bound: Prometheus 3 writes classic histogram bounds as floats (`1.0`), earlier
 * versions as `1`, so a whole number matches both.
 */
export function leMatcher(seconds: number): string {
  return Number.isInteger(seconds) ? `le=~"${seconds}(\\\\.0)?"` : `le="${seconds}"`;
}
