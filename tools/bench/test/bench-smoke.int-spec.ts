// `npm run bench -- --smoke` end to end: every scenario runs against real processes (bench apps on both adapters,
// OpenTelemetry, the built api and worker on a throwaway PostgreSQL and Redis) at a tiny size. No timing is
// asserted (figures at this size mean nothing); what is checked is that each scenario measured what it claims.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { runJsonScript } from './run-script.js';


interface Row {
  variant: string;
  rps: number;
  failures: number;
}
interface Results {
  http: Record<string, { rows: Row[]; otelSpansExported?: number }>;
  api: {
    processes: number;
    runs: Array<{
      rows: Array<Row & { cpuMicrosPerRequest?: number; cpuMicrosPerProcess: Array<number | undefined> }>;
      warmUps: Array<{ requests: number }>;
      gc: Array<{ process: string; pid: number; requests: number; minorMicros: number; majorMicros: number; scavengesPer1000: number; youngMB: number; youngMinMB: number; memoryReducer: boolean }>;
    }>;
  };
  options: { apiWarmupRequests: number; semiSpace: number };
  comments: {
    rows: Array<{ variant: string; median: number; addedPercent: number; addedCpuMicros: number }>;
    runs: Array<Array<{ variant: string; addedPercent: number; addedCpuMicros: number }>>;
    statementOn: string;
    statementOff: string;
    statementPlain: string;
    statementTextual: string;
  };
  exporter: {
    cpuMsPerScrape: number;
    msPerScrape: number;
    postgresCores: { without: number; with: number };
    sharePercent: number;
    tables: number;
    series: { all: number; tables: number };
  };
  queue: { rows: Array<{ library: string; variant: string; median: number }> };
  scrape: { rows: Array<{ target: number; format: string; series: number; median: number }> };
  targets: Array<{ name: string; met?: boolean; detail: string }>;
}

/** µs of fixed work per request in the api's fourth variant: far above what the smoke run's noise could make up. */
const KNOWN_WORK = 2000;
/** Tables added for the exporter's phases (`--exporter-tables`). */
const EXTRA_TABLES = 20;

describe('npm run bench -- --smoke', () => {
  let stdout = '';
  let results: Results;

  beforeAll(async () => {
    const args = ['--smoke', '--no-build', '--gc', `--known-work=${KNOWN_WORK}`, '--api-runs=2', `--exporter-tables=${EXTRA_TABLES}`];
    // About 3.5 minutes here (the api twice: --api-runs); the bounds leave a slower machine room.
    ({ json: results, stdout } = await runJsonScript<Results>('bench.mjs', 'smoke-test', args, 420_000));
  }, 440_000);

  it('prints a table for every scenario and the targets', () => {
    for (const title of ['HTTP overhead, express', 'HTTP overhead, fastify', 'The real api', 'Query comments', "postgres_exporter under the api's load", 'Queue throughput', 'Scrape cost', 'Targets']) {
      expect(stdout).toContain(`## ${title}`);
    }
  });

  it('measured every HTTP variant on both adapters without a failed request, OpenTelemetry really tracing', () => {
    const variants = ['bare', 'otel', 'otel-all', 'off', 'correlation', 'metrics', 'errors', 'access-log', 'all-no-access-log', 'all'];
    expect(results.http.express.rows.map((r) => r.variant)).toEqual(['raw node:http', ...variants]);
    expect(results.http.fastify.rows.map((r) => r.variant)).toEqual(variants);
    for (const adapter of ['express', 'fastify']) {
      for (const row of results.http[adapter].rows) {
        expect(row.failures).toBe(0);
        expect(row.rps).toBeGreaterThan(0);
      }
      expect(results.http[adapter].otelSpansExported).toBeGreaterThan(0);
    }
  });

  it('ran the real api twice (--api-runs), off, on, on without the access line and off with known work, without a failed request', () => {
    expect(results.api.runs).toHaveLength(2);
    for (const run of results.api.runs) {
      expect(run.rows.map((r) => r.variant)).toEqual([
        'observability off',
        'observability on',
        'observability on, no access line',
        `observability off, ${KNOWN_WORK} µs of known work per request`,
      ]);
      for (const row of run.rows) expect(row.failures).toBe(0);
      // Each variant in two processes of its own (process-to-process spread is part of the figure).
      for (const row of run.rows) expect(row.cpuMicrosPerProcess).toHaveLength(2);
      // Each of the eight processes warmed up by a count of requests, not by seconds.
      expect(run.warmUps).toHaveLength(8);
      for (const w of run.warmUps) expect(w.requests).toBeGreaterThanOrEqual(results.options.apiWarmupRequests);
    }
    expect(results.api.processes).toBe(2);
    // The second run measured processes of its own: none of the first run's (the shared apis included).
    const [first, second] = results.api.runs.map((run) => run.gc.map((p) => p.pid));
    expect(new Set([...first, ...second]).size).toBe(16);
    expect(stdout).toContain('## The real api (run 2 of 2');
    expect(stdout).toContain('## The real api over 2 runs');
    const target = results.targets.find((t) => t.name.startsWith('Real api'));
    expect(target?.detail).toMatch(/the median of 2 runs \(runs: [\d.]+ %, [\d.]+ %\)/);
  });

  it('charged the known work to the fourth variant in each run: at least half of it per request, against switched off', () => {
    for (const run of results.api.runs) {
      const [off, , , known] = run.rows;
      expect(known.cpuMicrosPerRequest! - off.cpuMicrosPerRequest!).toBeGreaterThan(KNOWN_WORK / 2);
    }
    expect(stdout).toContain(`off with ${KNOWN_WORK} µs of known work per request:`);
  });

  it('read the garbage collection of each api process from the probe it preloaded (--gc)', () => {
    const processes = ['off#1', 'off#2', 'on#1', 'on#2', 'on-no-access-log#1', 'on-no-access-log#2', 'known-work#1', 'known-work#2'];
    for (const run of results.api.runs) {
      expect(run.gc.map((p) => p.process)).toEqual(processes);
      for (const p of run.gc) {
        // The probe's own request count: the rounds' load reached it, through the process's diagnostics channel.
        expect(p.requests).toBeGreaterThan(0);
        for (const figure of [p.minorMicros, p.majorMicros, p.scavengesPer1000]) expect(figure).toBeGreaterThanOrEqual(0);
        // V8's young generation, read in the process, fixed by the bench (--semi-space, 64 MB by default): it was
        // never below one semi-space, as V8 leaves an idle process's young generation when it sizes it itself.
        expect(p.youngMB).toBeGreaterThanOrEqual(results.options.semiSpace);
        expect(p.youngMinMB).toBeGreaterThanOrEqual(results.options.semiSpace);
        // And it ran without V8's memory reducer, which ran full collections in the idle spells between rounds.
        expect(p.memoryReducer).toBe(false);
      }
    }
    expect(stdout).toContain('Garbage collection per request during the rounds (--gc)');
  });

  it('compared the query clients, and PostgreSQL saw the comment only from the commenting client with comments on', () => {
    expect(results.comments.rows.map((r) => r.variant)).toEqual([
      'pg Client (commenting bypassed)',
      'pg Client again (resolution)',
      'sqlCommentingClient, comments off',
      'sqlCommentingClient, comments on',
      "pg Client, the comment's text written in (no module code)",
    ]);
    expect(results.comments.statementOn).toContain("request_id='bench-check'");
    // The textual client measures the comment's text without the module's code: PostgreSQL saw the same statement.
    expect(results.comments.statementTextual).toBe(results.comments.statementOn);
    expect(results.comments.statementOff).not.toContain('/*');
    // pg's own query on the commenting client's connection, in the process with comments on: statements go as they are.
    expect(results.comments.statementPlain).not.toContain('/*');
  });

  it('measured the comments twice at smoke size (--comments-runs), the rows being the medians of the runs', () => {
    expect(results.comments.runs).toHaveLength(2);
    expect(stdout).toContain('## Query comments, the median of 2 runs');
    for (const [i, row] of results.comments.rows.entries()) {
      const [a, b] = results.comments.runs.map((run) => run[i]);
      expect([a.variant, b.variant]).toEqual([row.variant, row.variant]);
      // The median of two is their mean.
      expect(row.addedPercent).toBeCloseTo((a.addedPercent + b.addedPercent) / 2, 9);
      expect(row.addedCpuMicros).toBeCloseTo((a.addedCpuMicros + b.addedCpuMicros) / 2, 9);
    }
  });

  it('moved jobs through api, queue and worker both ways, on Bull and on BullMQ', () => {
    expect(results.queue.rows.map((r) => `${r.library} ${r.variant}`)).toEqual([
      'bull propagation and metrics off',
      'bull propagation and metrics on',
      'bullmq propagation and metrics off',
      'bullmq propagation and metrics on',
    ]);
    for (const row of results.queue.rows) expect(row.median).toBeGreaterThan(0);
  });

  it("measured the CPU of postgres_exporter's backends, its statements, and PostgreSQL's CPU with and without its scrapes", () => {
    // CPU read from the exporter's own backends: zero would mean none was found or none was read after a scrape.
    expect(results.exporter.cpuMsPerScrape).toBeGreaterThan(0);
    expect(results.exporter.msPerScrape).toBeGreaterThan(0);
    expect(results.exporter.postgresCores.without).toBeGreaterThan(0);
    expect(results.exporter.postgresCores.with).toBeGreaterThan(0);
    expect(Number.isFinite(results.exporter.sharePercent)).toBe(true);
    // The seed's tables and the added ones: four series each, and a size for each of the 100 largest.
    expect(results.exporter.tables).toBeGreaterThan(EXTRA_TABLES);
    expect(results.exporter.series.tables).toBe(results.exporter.tables * 4 + Math.min(100, results.exporter.tables));
    expect(results.exporter.series.all).toBeGreaterThan(results.exporter.series.tables);
  });

  it('scraped registries of about 1k and 10k series in both formats', () => {
    expect(results.scrape.rows.map((r) => `${r.target} ${r.format}`)).toEqual(['1000 text', '1000 openmetrics', '10000 text', '10000 openmetrics']);
    for (const row of results.scrape.rows) {
      expect(row.series).toBeGreaterThanOrEqual(row.target);
      expect(row.series).toBeLessThan(row.target * 1.2);
    }
  });

  it('judged every target (met or missed, none left unjudged)', () => {
    expect(results.targets).toHaveLength(13);
    for (const target of results.targets) expect(typeof target.met).toBe('boolean');
  });
});
