import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Gauge } from 'prom-client';
import { BoundGauge } from './bound-gauge.js';

const op = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('add' as const), delta: fc.constantFrom(1, -1, 2.5) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('set' as const), value: fc.integer({ min: -3, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('reset' as const, 'remove' as const) }) },
);

const gauge = () => new Gauge({ name: 'in_flight', help: 'h', registers: [] });

describe('BoundGauge', () => {
  it("leaves a gauge exactly as prom-client's inc and dec would, whatever sets, resets and removals come between", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 60 }), async (ops) => {
        const fast = gauge();
        const plain = gauge();
        const bound = new BoundGauge(fast);
        for (const o of ops) {
          if (o.kind === 'add') {
            bound.add(o.delta);
            plain.inc(o.delta);
          } else if (o.kind === 'set') {
            fast.set(o.value);
            plain.set(o.value);
          } else {
            fast[o.kind]();
            plain[o.kind]();
          }
        }
        expect((await fast.get()).values).toEqual((await plain.get()).values);
      }),
      { numRuns: 300 },
    );
  });

  it("changes the series in place, and goes through prom-client's inc for a gauge with labels", async () => {
    const plain = gauge();
    let calls = 0;
    const inc = plain.inc.bind(plain);
    plain.inc = ((...args: Parameters<typeof inc>) => (calls++, inc(...args))) as typeof plain.inc;
    const bound = new BoundGauge(plain);
    for (let i = 0; i < 100; i++) bound.add(1);
    bound.add(-1);
    expect(calls).toBe(0);
    expect((await plain.get()).values[0].value).toBe(99);

    const labelled = new Gauge({ name: 'labelled', help: 'h', labelNames: ['state'], registers: [] });
    const viaInc: unknown[] = [];
    labelled.inc = ((...args: unknown[]) => viaInc.push(args)) as typeof labelled.inc;
    new BoundGauge(labelled as Gauge<string>).add(1);
    expect(viaInc).toEqual([[1]]);
  });
});
