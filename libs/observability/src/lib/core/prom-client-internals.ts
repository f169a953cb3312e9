import { createRequire } from 'node:module';

type Labels = Record<string, string>;

/** An exemplar as prom-client keeps it on a bucket. */
export interface ExemplarLike {
  labelSet: unknown;
  value: unknown;
  timestamp?: number;
}

/**
 * What the hot metrics' fast path (bound-series.ts) reads of prom-client 15 beyond its documented API: the hash of a
 * label set under which a metric keeps a series, and the Exemplar class. Undefined when this prom-client does not
 * have them: the fast path then uses the public calls (docs/architecture.md, "What the module reads of prom-client").
 */
export const promClientInternals = loadInternals();

/** A metric's generation: it changes whenever a call may have replaced or dropped series, unbinding its label sets. */
export interface MetricGeneration {
  value: number;
}
const generations = new WeakMap<object, MetricGeneration>();

/**
 * The generation of this metric object, wrapping its `reset`, `remove` and `zero` once to move it on (on the object,
 * so every module instance bound to a shared metric sees the same one).
 */
export function generationOf(metric: object): MetricGeneration {
  const known = generations.get(metric);
  if (known) return known;
  const generation: MetricGeneration = { value: 0 };
  generations.set(metric, generation);
  const target = metric as Record<string, unknown>;
  for (const name of ['reset', 'remove', 'zero']) {
    const original = target[name];
    if (typeof original !== 'function') continue;
    target[name] = function (this: unknown, ...args: unknown[]) {
      generation.value++;
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
  return generation;
}

function loadInternals(): { hashObject: (labels: Labels, names: string[]) => string; Exemplar: new () => ExemplarLike } | undefined {
  try {
    const require = createRequire(import.meta.url);
    const util = require('prom-client/lib/util') as { hashObject?: unknown };
    const Exemplar = require('prom-client/lib/exemplar') as unknown;
    if (typeof util.hashObject !== 'function' || typeof Exemplar !== 'function') return undefined;
    return { hashObject: util.hashObject as (labels: Labels, names: string[]) => string, Exemplar: Exemplar as new () => ExemplarLike };
  } catch {
    return undefined;
  }
}
