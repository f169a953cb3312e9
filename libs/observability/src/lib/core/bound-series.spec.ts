import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Counter, Histogram } from 'prom-client';
import { BoundCounter, BoundGroup, BoundHistogram } from './bound-series.js';

const NAMES = ['method', 'route', 'status_code'] as const;
const BUCKETS = [0.005, 0.01, 0.1, 0.25, 1, 2.5];

const labelValues = fc.tuple(fc.constantFrom('GET', 'POST'), fc.constantFrom('/a', '/b/:id', 'a"b\\c'), fc.constantFrom(200, 404, '500'));
const value = fc.oneof(fc.constantFrom(...BUCKETS, 0, -1, 3, 1e9, Number.NaN, Number.POSITIVE_INFINITY), fc.double({ min: -1, max: 5, noNaN: true }));
const exemplar = fc.oneof(
  fc.constant(undefined),
  fc.constant({}),
  fc.record({ request_id: fc.string({ maxLength: 20 }) }),
  fc.constant({ request_id: 'x'.repeat(130) }),
);
const op = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('observe' as const), via: fc.nat(1), labels: labelValues, value, exemplar }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('inc' as const), via: fc.nat(1), labels: labelValues }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('group' as const), labels: labelValues, value, exemplar }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('public' as const), labels: labelValues, value: fc.double({ min: 0, max: 3, noNaN: true }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('reset' as const, 'remove' as const, 'zero' as const), labels: labelValues }) },
);
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

function metrics() {
  const counter = new Counter({ name: 'requests_total', help: 'h', labelNames: NAMES, registers: [] });
  const histogram = new Histogram({ name: 'duration_seconds', help: 'h', labelNames: NAMES, buckets: BUCKETS, enableExemplars: true, registers: [] });
  return { counter, histogram };
}

/** The two metrics, counting the calls of prom-client's own `inc` and `observe` (which still run). */
function countedMetrics() {
  const { counter, histogram } = metrics();
  const calls = { inc: 0, observe: 0 };
  const inc = counter.inc.bind(counter);
  const observe = histogram.observe.bind(histogram);
  counter.inc = ((...args: Parameters<typeof inc>) => (calls.inc++, inc(...args))) as typeof counter.inc;
  histogram.observe = ((...args: Parameters<typeof observe>) => (calls.observe++, observe(...args))) as typeof histogram.observe;
  return { counter, histogram, calls };
}

const labelsOf = ([method, route, status]: readonly [string, string, string | number]) => ({ method, route, status_code: String(status) });

/** Runs one operation, returning the error's class name when it throws (both paths must throw alike). */
function run(action: () => void): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    return (error as Error).constructor.name;
  }
}

/** A metric's data without exemplar timestamps (the two paths run a few ms apart). */
async function dataOf(metric: Counter<string> | Histogram<string>) {
  const data = await metric.get();
  return JSON.parse(JSON.stringify(data, (key, v) => (key === 'timestamp' ? 0 : v)));
}

describe('BoundCounter and BoundHistogram', () => {
  it('leave the metrics exactly as prom-client would, whatever the mix of observations, resets, removals and zeroes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 20, maxLength: 80 }), async (ops: Op[]) => {
        const fast = metrics();
        const plain = metrics();
        // Two bound views of one metric, as two app instances sharing a registry have.
        const counters = [new BoundCounter(fast.counter, NAMES), new BoundCounter(fast.counter, NAMES)];
        const histograms = [new BoundHistogram(fast.histogram, NAMES), new BoundHistogram(fast.histogram, NAMES)];
        // A third view: the counter and histogram found together, as a request's are.
        const grouped = { counter: new BoundCounter(fast.counter, NAMES), histogram: new BoundHistogram(fast.histogram, NAMES) };
        const group = new BoundGroup([grouped.counter, grouped.histogram]);
        for (const o of ops) {
          const labels = labelsOf(o.labels);
          if (o.kind === 'observe') {
            const a = run(() => histograms[o.via].observe(o.value, o.exemplar, ...o.labels));
            const b = run(() => plain.histogram.observe({ labels, value: o.value, exemplarLabels: o.exemplar ?? {} }));
            expect(a).toBe(b);
          } else if (o.kind === 'group') {
            const found = group.find(...o.labels);
            grouped.counter.incAt(found?.[0], ...o.labels);
            plain.counter.inc(labels);
            const a = run(() => grouped.histogram.observeAt(found?.[1], o.value, o.exemplar, ...o.labels));
            const b = run(() => plain.histogram.observe({ labels, value: o.value, exemplarLabels: o.exemplar ?? {} }));
            expect(a).toBe(b);
          } else if (o.kind === 'inc') {
            counters[o.via].inc(...o.labels);
            plain.counter.inc(labels);
          } else if (o.kind === 'public') {
            for (const m of [fast, plain]) {
              m.histogram.observe({ labels, value: o.value });
              m.counter.inc(labels, 2);
            }
          } else if (o.kind === 'zero') {
            fast.histogram.zero(labels);
            plain.histogram.zero(labels);
          } else {
            for (const m of [fast, plain]) {
              m.histogram[o.kind](o.kind === 'remove' ? labels : (undefined as never));
              m.counter[o.kind](o.kind === 'remove' ? labels : (undefined as never));
            }
          }
        }
        expect(await dataOf(fast.histogram)).toEqual(await dataOf(plain.histogram));
        expect(await dataOf(fast.counter)).toEqual(await dataOf(plain.counter));
      }),
      { numRuns: 300 },
    );
  });

  it("go through prom-client's calls only for a label set's first observation", async () => {
    const { counter, histogram, calls } = countedMetrics();
    const c = new BoundCounter(counter, NAMES);
    const h = new BoundHistogram(histogram, NAMES);
    for (let i = 0; i < 1000; i++) {
      c.inc('GET', '/a', 200);
      h.observe(0.02, { request_id: `r${i}` }, 'GET', '/a', 200);
    }
    expect(calls).toEqual({ inc: 1, observe: 1 });
    const data = await histogram.get();
    const count = data.values.find((v) => v.metricName === 'duration_seconds_count');
    expect(count?.value).toBe(1000);
    const bucket = data.values.find((v) => (v.labels as Record<string, unknown>).le === 0.1) as { exemplar?: { labelSet: unknown } };
    expect(bucket.exemplar?.labelSet).toEqual({ request_id: 'r999' });
    expect((await counter.get()).values[0].value).toBe(1000);
  });

  it("fall back to prom-client's calls when its internals are not the expected ones", async () => {
    const { histogram } = metrics();
    // A prom-client without bucket bounds where this one keeps them, seen when binding (then put back for prom-client).
    const bounds = Object.getOwnPropertyDescriptor(histogram, 'upperBounds')!;
    Object.defineProperty(histogram, 'upperBounds', { value: undefined, configurable: true });
    const h = new BoundHistogram(histogram, NAMES);
    Object.defineProperty(histogram, 'upperBounds', bounds);
    const calls: unknown[] = [];
    const observe = histogram.observe.bind(histogram);
    histogram.observe = ((...args: Parameters<typeof observe>) => (calls.push(args), observe(...args))) as typeof histogram.observe;
    for (let i = 0; i < 3; i++) h.observe(0.02, undefined, 'GET', '/a', 200);
    expect(calls).toHaveLength(3);
    expect((await histogram.get()).values.find((v) => v.metricName === 'duration_seconds_count')?.value).toBe(3);
  });

  it('bind at most 10,000 label sets, counting the rest through prom-client', async () => {
    const { counter } = metrics();
    const c = new BoundCounter(counter, NAMES);
    for (let i = 0; i < 10_050; i++) c.inc('GET', `/r${i}`, 200);
    c.inc('GET', '/r10049', 200);
    const values = (await counter.get()).values;
    expect(values).toHaveLength(10_050);
    expect(values.find((v) => v.labels.route === '/r10049')?.value).toBe(2);
    // Past the cap the tree of label values does not grow either (one level per route here).
    const root = (c as unknown as { tree: { root: Map<string, Map<string, unknown>> } }).tree.root;
    expect(root.get('GET')!.size).toBe(10_000);
  });

  it("in a group, bind each member's label set in one walk and keep the cap", async () => {
    const { counter, histogram, calls } = countedMetrics();
    const c = new BoundCounter(counter, NAMES);
    const h = new BoundHistogram(histogram, NAMES);
    const group = new BoundGroup([c, h]);
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < 10_020; i++) {
        const route = `/r${i}`;
        const found = group.find('GET', route, 200);
        c.incAt(found?.[0], 'GET', route, 200);
        h.observeAt(found?.[1], 0.02, { request_id: `r${i}` }, 'GET', route, 200);
      }
    }
    // The first 10,000 label sets through prom-client once each, then in place; the 20 past the cap every time.
    expect(calls).toEqual({ inc: 10_000 + 2 * 20, observe: 10_000 + 2 * 20 });
    expect((await counter.get()).values.find((v) => v.labels.route === '/r5')?.value).toBe(2);
    expect(() => new BoundGroup([c, new BoundHistogram(histogram, ['method'])])).toThrow('same labels');
  });
});
