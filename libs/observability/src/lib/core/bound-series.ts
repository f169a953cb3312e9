import type { Counter, Histogram } from 'prom-client';
import { isObject } from './is-object.js';
import { type LabelValue, LabelTree } from './label-tree.js';
import { type ExemplarLike, generationOf, type MetricGeneration, promClientInternals as internals } from './prom-client-internals.js';

type Labels = Record<string, string>;

/**
 * The hot metrics (one observation per request, job or statement) without prom-client's work per call: it checks
 * every label name, builds a hash string from the labels, looks it up, and for an exemplar does it all again and
 * turns each bucket bound into a string (about 1.2 µs for a request's counter and histogram, 0.1 µs here). A label set
 * is found by its values in a tree of Maps and bound to the series object prom-client keeps for it; the bound
 * series is updated as prom-client would update it. The first observation of a label set, any value prom-client
 * would refuse, and any prom-client whose internals are not the ones this was written for go through its public
 * calls. `reset`, `remove` and `zero`, which replace or drop series, unbind every label set of the metric.
 */

/** One label set of one metric: its labels (made once) and the series it was found at, valid until the metric's next reset, remove or zero. */
export class Bound {
  series: unknown = undefined;
  generation = -1;
  constructor(
    readonly labels: Labels,
    readonly hash: string,
  ) {}
}

interface MetricInternals {
  hashMap: Record<string, unknown>;
  sortedLabelNames: string[];
}

abstract class BoundSeries<S> {
  private readonly tree: LabelTree<Bound>;
  private readonly state: MetricGeneration | undefined;

  protected constructor(
    protected readonly metric: MetricInternals,
    readonly labelNames: readonly string[],
    fastPossible: boolean,
  ) {
    this.tree = new LabelTree(labelNames.length, (a, b, c) => this.newBound(a, b, c));
    this.state = internals && fastPossible && isObject(metric.hashMap) && Array.isArray(metric.sortedLabelNames) ? generationOf(metric) : undefined;
  }

  /** A label set of this metric, with these values in `labelNames` order (for a tree of its own or a BoundGroup's). */
  newBound(a: LabelValue, b?: LabelValue, c?: LabelValue): Bound {
    const labels = this.labelsOf(a, b, c);
    return new Bound(labels, this.state ? internals!.hashObject(labels, this.metric.sortedLabelNames) : '');
  }

  /** The label set with these values from this metric's own tree; undefined past MAX_BOUND. */
  protected bound(a: LabelValue, b?: LabelValue, c?: LabelValue): Bound | undefined {
    return this.tree.find(a, b, c);
  }

  /** The labels object prom-client is given: the values as strings, in `labelNames` order (the exposition's order). */
  protected labelsOf(a: LabelValue, b?: LabelValue, c?: LabelValue): Labels {
    const values = [a, b, c];
    const labels: Labels = {};
    this.labelNames.forEach((name, i) => (labels[name] = String(values[i])));
    return labels;
  }

  /** The series prom-client holds for this label set now, or undefined (not made yet, or no fast path). */
  protected series(bound: Bound): S | undefined {
    const state = this.state;
    if (state === undefined) return undefined;
    if (bound.generation === state.value) return bound.series as S;
    const series = this.metric.hashMap[bound.hash] as S | undefined;
    if (series !== undefined) {
      bound.series = series;
      bound.generation = state.value;
    }
    return series;
  }
}

/**
 * Metrics of the same labels updated together (a request's counter and histogram, a job's): one walk of one tree
 * finds the label set of every member, where each member's own tree would be walked again.
 */
export class BoundGroup {
  private readonly tree: LabelTree<readonly Bound[]>;

  constructor(members: readonly BoundSeries<unknown>[]) {
    const names = members[0].labelNames.join(',');
    if (members.some((m) => m.labelNames.join(',') !== names)) throw new Error('a bound group takes metrics of the same labels');
    this.tree = new LabelTree(members[0].labelNames.length, (a, b, c) => members.map((m) => m.newBound(a, b, c)));
  }

  /** Each member's label set for these values, in the members' order; undefined past MAX_BOUND. */
  find(a: LabelValue, b?: LabelValue, c?: LabelValue): readonly Bound[] | undefined {
    return this.tree.find(a, b, c);
  }
}

interface CounterSeries {
  value: number;
}

/** A counter without exemplars, incremented by one. */
export class BoundCounter extends BoundSeries<CounterSeries> {
  constructor(
    private readonly counter: Counter<string>,
    labelNames: readonly string[],
  ) {
    super(counter as unknown as MetricInternals, labelNames, !(counter as unknown as { enableExemplars?: boolean }).enableExemplars);
  }

  inc(a: LabelValue, b?: LabelValue, c?: LabelValue): void {
    this.incAt(this.bound(a, b, c), a, b, c);
  }

  /** `inc` at a label set found already (a BoundGroup's), undefined past its cap; the values are the same. */
  incAt(bound: Bound | undefined, a: LabelValue, b?: LabelValue, c?: LabelValue): void {
    if (bound === undefined) return this.counter.inc(this.labelsOf(a, b, c));
    const series = this.series(bound);
    if (series === undefined) this.counter.inc(bound.labels);
    else series.value += 1;
  }
}

interface HistogramSeries {
  sum: number;
  count: number;
  bucketValues: Record<string, number>;
  bucketExemplars?: Record<string, ExemplarLike | null | undefined>;
}

/** A histogram, with an exemplar per observation when it has them enabled. */
export class BoundHistogram extends BoundSeries<HistogramSeries> {
  private readonly bounds: number[];
  /** Each bucket's key in prom-client's bucket objects: the bound as a string, made once rather than per observation. */
  private readonly keys: string[];
  private readonly exemplars: boolean;

  constructor(
    private readonly histogram: Histogram<string>,
    labelNames: readonly string[],
  ) {
    const h = histogram as unknown as { upperBounds?: unknown; enableExemplars?: boolean };
    const bounds = Array.isArray(h.upperBounds) ? (h.upperBounds as number[]) : undefined;
    super(histogram as unknown as MetricInternals, labelNames, bounds !== undefined);
    this.bounds = bounds ?? [];
    this.keys = this.bounds.map(String);
    this.exemplars = h.enableExemplars === true;
  }

  observe(value: number, exemplarLabels: Record<string, string> | undefined, a: LabelValue, b?: LabelValue, c?: LabelValue): void {
    this.observeAt(this.bound(a, b, c), value, exemplarLabels, a, b, c);
  }

  /** `observe` at a label set found already (a BoundGroup's), undefined past its cap; the values are the same. */
  observeAt(bound: Bound | undefined, value: number, exemplarLabels: Record<string, string> | undefined, a: LabelValue, b?: LabelValue, c?: LabelValue): void {
    const series = bound && Number.isFinite(value) ? this.series(bound) : undefined;
    if (series === undefined) return this.slow(bound?.labels ?? this.labelsOf(a, b, c), value, exemplarLabels);
    let key = '-1';
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]) {
        key = this.keys[i];
        break;
      }
    }
    series.sum += value;
    series.count += 1;
    if (key !== '-1') series.bucketValues[key] += 1;
    if (this.exemplars && exemplarLabels !== undefined && hasKeys(exemplarLabels)) updateExemplar(series, key, value, exemplarLabels);
  }

  private slow(labels: Labels, value: number, exemplarLabels: Record<string, string> | undefined): void {
    if (this.exemplars) this.histogram.observe({ labels, value, exemplarLabels: exemplarLabels ?? {} });
    else this.histogram.observe(labels, value);
  }
}

/** As prom-client's `updateExemplar`: the bucket's exemplar object, checked against OpenMetrics' 128-character cap. */
function updateExemplar(series: HistogramSeries, key: string, value: number, labelSet: Record<string, string>): void {
  const exemplars = series.bucketExemplars;
  if (exemplars === undefined) return;
  let exemplar = exemplars[key];
  if (!isObject(exemplar)) {
    exemplar = new internals!.Exemplar();
    exemplars[key] = exemplar;
  }
  let length = 0;
  for (const name in labelSet) length += name.length + String(labelSet[name]).length;
  if (length > 128) throw new RangeError('Label set size must be smaller than 128 UTF-8 chars');
  exemplar!.labelSet = labelSet;
  exemplar!.value = value;
  exemplar!.timestamp = Date.now() / 1000;
}

function hasKeys(object: object): boolean {
  for (const _ in object) return true;
  return false;
}
