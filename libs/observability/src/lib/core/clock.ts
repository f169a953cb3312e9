import { performance } from 'node:perf_hooks';

/**
 * A monotonic clock in milliseconds, for durations (no BigInt per call, as `process.hrtime.bigint()` makes). Node's
 * own `performance`, imported: the global one is a getter on `globalThis`, called on every use.
 */
export function monotonicMs(): number {
  return performance.now();
}
