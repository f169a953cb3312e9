import type { Gauge } from 'prom-client';
import { isObject } from './is-object.js';
import { promClientInternals as internals } from './prom-client-internals.js';

/**
 * A gauge without labels moved up and down on the hot path (requests in flight), as prom-client's `inc`/`dec` would
 * move it, without their argument checks, label validation and hashing on every call: its one series is read from
 * the metric each time (a reset, remove or `set` replaces it) and changed in place. Any other prom-client, or a
 * series missing, goes through the public calls.
 */
export class BoundGauge {
  private readonly fast: boolean;

  constructor(private readonly gauge: Gauge<string>) {
    const g = gauge as unknown as { labelNames?: unknown; hashMap?: unknown };
    this.fast = internals !== undefined && Array.isArray(g.labelNames) && g.labelNames.length === 0 && isObject(g.hashMap);
  }

  add(delta: number): void {
    // prom-client keeps a gauge's only series under the empty hash.
    const series = this.fast ? (this.gauge as unknown as { hashMap: Record<string, { value?: unknown } | undefined> }).hashMap[''] : undefined;
    if (series !== undefined && typeof series.value === 'number') series.value += delta;
    else this.gauge.inc(delta);
  }
}
