// The young-generation count (tools/bench/young-generation.mjs) run for real at a small size: the bench app on Express
// under OpenTelemetry's auto-instrumentation, without and with the module. With the module, requests must die young as
// they do under OpenTelemetry alone: a listener of the module's left on each response had every request promoted
// (11 KB a request against 2 KB, docs/performance-log.md, "Thirty-eighth look").
import { beforeAll, describe, expect, it } from '@jest/globals';
import { runJsonScript } from './run-script.js';

interface Row {
  variant: string;
  allocatedBytes: number;
  promotedBytes: number;
  scavengesPer1000: number;
  pauseMicros: number;
}

/** The script's rows (the bench app's on Express, or the api's) for `args`. */
async function rowsOf(name: string, args: string[], timeout: number): Promise<Row[]> {
  const { json } = await runJsonScript<{ adapters: { express: Row[] } }>('young-generation.mjs', name, args, timeout);
  return json.adapters.express;
}

/** Every row read collections in its window: a request allocates tens of kilobytes, the semi-spaces fill often. */
function expectCollections(rows: Row[]): void {
  for (const r of rows) {
    expect(r.allocatedBytes).toBeGreaterThan(10_000);
    expect(r.scavengesPer1000).toBeGreaterThan(1);
  }
}

describe('young-generation, the bench app under OpenTelemetry', () => {
  let rows: Row[];

  beforeAll(async () => {
    rows = await rowsOf('young-generation-test', ['--adapters=express', '--variants=otel,otel-all', '--warmup-requests=5000', '--requests=8000', '--semi-space=16'], 170_000);
  }, 180_000);

  it('reads collections in the window of each variant', () => {
    expect(rows.map((r) => r.variant)).toEqual(['otel', 'otel-all']);
    expectCollections(rows);
  });

  it('promotes about what OpenTelemetry alone promotes, not each request with its response', () => {
    const [otel, withModule] = rows;
    expect(otel.promotedBytes).toBeLessThan(5_000);
    expect(withModule.promotedBytes - otel.promotedBytes).toBeLessThan(1_500);
  });
});

// The same count in the real api (--api), the module's hooks switched on and off inside one process: with the
// module on, the api must promote about what it promotes with them off (it promotes some 7 to 10 KB a request of its
// own, which full collections reclaim).
describe('young-generation --api, the module switched inside the api', () => {
  let rows: Row[];

  beforeAll(async () => {
    rows = await rowsOf('young-generation-api-test', ['--api', '--variants=api', '--warmup-requests=500', '--requests=500', '--rounds=2', '--semi-space=4'], 110_000);
  }, 120_000);

  it('reads collections in both states', () => {
    expect(rows.map((r) => r.variant)).toEqual(['api, module on', 'api, module off']);
    expectCollections(rows);
  });

  it('promotes about what the api promotes with the module off', () => {
    const [on, off] = rows;
    expect(on.promotedBytes - off.promotedBytes).toBeLessThan(2_000);
  });
});
